"""The production files in deploy/ agree with each other and with the application: nginx's
upstream lists the web processes of the Procfile, forwards the headers ProxyFix reads (the
client's address set, never appended), serves the static folders that exist, and nginx itself
accepts the file where it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from config import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


def _procfile() -> dict[str, str]:
    lines = (DEPLOY / "Procfile.production").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_nginx_upstream_lists_every_web_process_of_the_procfile():
    nginx = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream lms \{(.*?)\}", nginx, re.S).group(1)
    servers = set(re.findall(r"^\s*server (127\.0\.0\.1:\d+)", upstream, re.M))
    processes = _procfile()
    binds = {
        re.search(r"--bind (\S+)", command).group(1)
        for name, command in processes.items()
        if name.startswith("web")
    }
    assert len(binds) >= 2 and binds == servers
    assert all(
        "gunicorn" in processes[name] and "wsgi:app" in processes[name]
        for name in processes
        if name.startswith("web")
    )
    assert "huey_consumer lms.worker.huey" in processes["worker"]
    assert not any("db upgrade" in command for command in processes.values())  # run once


def test_nginx_sets_the_headers_proxy_fix_reads_and_serves_existing_static_folders():
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # set, not appended
    assert "$proxy_add_x_forwarded_for;" not in nginx.split("upstream lms")[1]
    for header in ("X-Forwarded-Proto $scheme", "X-Forwarded-Host $http_host", "Host $http_host"):
        assert f"proxy_set_header {header};" in nginx
    static = re.search(r"location /static/ \{\s*alias /srv/lms/(\S+);", nginx).group(1)
    assert (BASE_DIR / static).is_dir()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))
    from config import DevelopmentConfig

    assert megabytes * 1024 * 1024 == DevelopmentConfig({}).MAX_CONTENT_LENGTH


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx (and openssl) not installed: `apt-get install nginx-light` to check")
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {certificate};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run([nginx, "-t", "-c", str(main)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
