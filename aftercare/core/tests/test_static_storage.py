"""Static files are compressed once: `serve` collects them at every start."""

from django.core.management import call_command

STORAGE = {"BACKEND": "aftercare.core.storage.StaticFilesStorage"}


def _collect(settings, source, root):
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": STORAGE}
    call_command("collectstatic", interactive=False, verbosity=0)


def test_the_hashed_copy_is_compressed_and_a_second_collection_compresses_nothing_again(settings, tmp_path):
    source, root = tmp_path / "src", tmp_path / "static"
    source.mkdir()
    (source / "app.js").write_text("console.log('售后管家');\n" * 200)
    _collect(settings, source, root)
    (hashed,) = [p for p in root.glob("app.*.js")]
    compressed = {p.name: p.stat().st_mtime_ns for p in root.glob("app.*.js.*")}
    assert set(compressed) >= {f"{hashed.name}.gz"}
    assert not (root / "app.js.gz").exists()  # the unhashed copy: pages link to the hashed one

    _collect(settings, source, root)
    assert {p.name: p.stat().st_mtime_ns for p in root.glob("app.*.js.*")} == compressed

    (source / "app.js").write_text("console.log('新版本');\n" * 200)
    _collect(settings, source, root)
    assert len(list(root.glob("app.*.js.gz"))) == 2  # a new content is a new name, compressed in turn
