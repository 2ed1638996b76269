"""The static files' storage: WhiteNoise's hashed and compressed files, compressed once."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Compresses only the hashed copies (what pages link to, through the manifest), and each only
    once: its name carries its content's hash, so a compressed sibling that exists holds the same
    content. `serve` collects the static files at every start; without this, each start spent its
    time brotli-compressing the API documentation's bundles again."""

    def compress_files(self, paths):
        hashed = set(self.hashed_files.values())
        fresh = [path for path in paths if path in hashed and not self._compressed(path)]
        yield from super().compress_files(fresh)

    def _compressed(self, path: str) -> bool:
        return self.exists(f"{path}.br") or self.exists(f"{path}.gz")
