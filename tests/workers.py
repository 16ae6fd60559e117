"""A real worker process for tests: ``huey_consumer lms.worker.huey`` built from the test
app's settings through the environment, as ``make run`` and production build it."""

from __future__ import annotations

import os
import subprocess
import sys


def start_worker(app, **extra_env: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        LMS_CONFIG="development",
        LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        LMS_INSTANCE_PATH=app.instance_path,
        LMS_JOBS_URL=app.config["JOBS_URL"],
        LMS_JOBS_NAME=app.config["JOBS_NAME"],
        LMS_JOBS_IMMEDIATE="0",
        LMS_PUBLIC_URL=app.config["PUBLIC_URL"],
        LMS_MAIL_URL=app.config["MAIL_URL"],
        LMS_SECRET_KEY=app.config["SECRET_KEY"],
        LMS_FILE_STORAGE=app.config["FILE_STORAGE"],
        LMS_CERTIFICATE_KEYS_DIR=app.config["CERTIFICATE_KEYS_DIR"]
        or os.path.join(app.instance_path, "signing-keys"),
        **extra_env,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "lms.worker.huey", "-w", "1", "-d", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    output, _ = worker.communicate(timeout=20)
    return output or ""
