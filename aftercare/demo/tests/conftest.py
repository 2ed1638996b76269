import pytest


@pytest.fixture(scope="session")
def demo_media(tmp_path_factory):
    """Where the demo's photos go in tests: a temporary folder, not the project's var/."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, demo_media):
    settings.MEDIA_ROOT = demo_media
