"""The daily reports (日报, docs/DOMAIN.md §18.3), declared on reports/framework.py."""
