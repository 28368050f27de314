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


def _named(segment: str) -> tuple[str, list[str]]:
    """The file a step of the path opens (its first backticked path) and the plain names it cites."""
    ticks = re.findall(r"`([^`]+)`", segment)
    file = next(t for t in ticks if re.fullmatch(r"[\w/]+\.(py|html)", t))
    # A name is cited for the file when it comes before the next file of the step ("then … in x.py").
    names = []
    for tick in ticks[ticks.index(file) + 1 :]:
        if re.fullmatch(r"[\w/]+\.(py|html)(#\w+)?", tick):
            break
        head = tick.split("(")[0].split(".")[-1]
        if re.fullmatch(r"[A-Za-z_]\w*", head) and "." not in tick.split("(")[0]:
            names.append(head)
    return file, names


def test_the_table_has_the_five_paths():
    assert len(_rows()) == 5


@pytest.mark.parametrize("path, segments", _rows(), ids=[row[0][:40] for row in _rows()])
def test_each_path_is_at_most_four_existing_files_that_define_what_they_cite(path, segments):
    files = [_named(segment) for segment in segments]
    assert len(files) <= MAX_FILES, f"{path}: {len(files)} files"
    for file, names in files:
        source = ROOT / file
        assert source.exists(), f"{path}: {file} does not exist"
        if file.endswith(".py"):
            text = source.read_text()
            for name in names:
                assert re.search(rf"^\s*(def|class) {name}\b|^{name} = ", text, re.M), (
                    f"{path}: {name} is not defined in {file}"
                )


@pytest.mark.parametrize("path, segments", _rows(), ids=[row[0][:40] for row in _rows()])
def test_each_paths_url_reaches_the_view_in_its_first_python_file(path, segments):
    method_url = re.search(r"`(GET|POST) ([^`?]+)", path)
    url = re.sub(r"<pk>", "1", method_url.group(2))
    view = resolve(url).func
    view_file = next(f for f, _ in map(_named, segments) if f.endswith(".py"))
    module = view.__module__.replace(".", "/") + ".py"
    assert module == view_file or module.replace("/__init__", "") == view_file, (
        f"{path}: {url} is served by {view.__module__}, not {view_file}"
    )
