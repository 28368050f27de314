"""The optional S3-compatible file store (README "Files"): django-storages' S3 backend, configured
from the environment. Plain Python, no Django import: settings.py calls it."""


def s3_storage(
    *, bucket: str, endpoint_url: str = "", region: str = "", access_key: str = "", secret_key: str = ""
) -> dict:
    """The STORAGES["default"] entry for an S3-compatible bucket: private objects (no ACL, every URL
    signed and short-lived), names never overwritten (a second upload gets a new name), and the
    endpoint, region and keys given (empty: boto3's own lookup, e.g. an instance role)."""
    options = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
