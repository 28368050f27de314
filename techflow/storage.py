"""Static files in production: hashed names (cached for ever, immutable) and brotli/gzip copies."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, whose hashing also rewrites the icons' URLs in the
    web app manifest, so the manifest's icons are hashed and served immutable like every other file.

    Django rewrites URLs in CSS and JS only; the manifest names its icons in `"src"` members.
    """

    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("*.webmanifest", ((r"""(?P<matched>"src":\s*"(?P<url>[^"]+)")""", '"src": "%(url)s"'),)),
    )
