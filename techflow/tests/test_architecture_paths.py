"""The five paths of `techflow/ARCHITECTURE.md` stay true: each is at most four files from URL to
model, every file named exists, and every function or class named in a file is defined there.

The table is what a newcomer reads first; a rename or a new layer that the table does not follow
fails here instead of misleading them."""

import re
from pathlib import Path

import pytest
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
MAX_FILES = 4


def _rows() -> list[tuple[str, list[str]]]:
    text = (ROOT / "techflow" / "ARCHITECTURE.md").read_text()
    table = text.split("### Five paths, URL to model", 1)[1].strip().split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        path, files = line.strip("|").split("|", 1)
        rows.append((path.strip(), [segment.strip() for segment in files.split("→")]))
    return rows


FILE = r"[\w/]+\.(py|html)"


def _named(segment: str) -> tuple[str, list[tuple[str, str]]]:
    """The file a step of the path opens (its first backticked path) and the names it cites for
    that file, each with the file it is to be found in: a name cited "in `other.py`" is looked for
    there. A call like `check(..., Step.COMPLETE, ...)` is cited by its function."""
    ticks = re.findall(r"`([^`]+)`", segment)
    file = next(t for t in ticks if re.fullmatch(FILE, t))
    names = []
    for tick in ticks[ticks.index(file) + 1 :]:
        if re.fullmatch(FILE + r"(#\w+)?", tick):
            continue
        name = tick.split("(")[0]
        elsewhere = re.search(re.escape(f"`{tick}` in `") + f"({FILE})`", segment)
        if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)?", name):
            names.append((name, elsewhere.group(1) if elsewhere else file))
    return file, names


def _defined(name: str, file: str) -> bool:
    """A plain name is defined in the file; `module.name` in the sibling module, `Class.name` as the
    class in the file with the name in it (a method, a member)."""

    def defines(path: Path, simple: str) -> bool:
        text = path.read_text()
        return bool(re.search(rf"^\s*(def|class) {simple}\b|^\s*{simple}\b.*=", text, re.M))

    source = ROOT / file
    if "." not in name:
        return defines(source, name)
    owner, member = name.split(".")
    sibling = source.parent / f"{owner}.py"
    if sibling.exists():
        return defines(sibling, member)
    return defines(source, owner) and defines(source, member)


def test_the_table_has_the_five_paths():
    assert len(_rows()) == 5


@pytest.mark.parametrize("path, segments", _rows(), ids=[row[0][:40] for row in _rows()])
def test_each_path_is_at_most_four_existing_files_that_define_what_they_cite(path, segments):
    files = [_named(segment) for segment in segments]
    assert len(files) <= MAX_FILES, f"{path}: {len(files)} files"
    for file, names in files:
        assert (ROOT / file).exists(), f"{path}: {file} does not exist"
        for name, where in names:
            if where.endswith(".py"):
                assert _defined(name, where), f"{path}: {name} is not defined in {where}"


@pytest.mark.parametrize("path, segments", _rows(), ids=[row[0][:40] for row in _rows()])
def test_each_paths_url_is_served_by_the_first_view_it_names(path, segments):
    method_url = re.search(r"`(GET|POST) ([^`?]+)", path)
    view = resolve(method_url.group(2).replace("<pk>", "1")).func
    file, names = next((f, n) for f, n in map(_named, segments) if f.endswith(".py"))
    assert view.__module__.replace(".", "/") + ".py" == file, f"{path}: served by {view.__module__}"
    assert view.__name__ == names[0][0], f"{path}: served by {view.__name__}, not {names[0][0]}"
