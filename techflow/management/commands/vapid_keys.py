from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid, b64urlencode


class Command(BaseCommand):
    help = (
        "Make a VAPID key pair for Web Push: prints TECHFLOW_VAPID_PRIVATE_KEY for the environment "
        "(keep it secret; every app server uses the same one) and the public key the phones subscribe "
        "with (the app derives it from the private key)."
    )

    def handle(self, *args, **options) -> None:
        vapid = Vapid()
        vapid.generate_keys()
        private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public = vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"TECHFLOW_VAPID_PRIVATE_KEY={b64urlencode(private)}")
        self.stdout.write(f"# public key: {b64urlencode(public)}")
