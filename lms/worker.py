"""The worker's entry point: ``huey_consumer lms.worker.huey`` (settings from ``LMS_*``, as
the web server's)."""

from lms import create_app
from lms.jobs import queue_of

app = create_app()
huey = queue_of(app)
