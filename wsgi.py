"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

from lms import create_app, heap

app = create_app()
heap.settle()  # what start-up built lives as long as the process: the collector skips it
