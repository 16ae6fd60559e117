"""200 certificate PDFs rendered at once (issue 18, "not yet tried"): each is whole; memory
stays bounded by the renderings alive at once (counted, not timed); nothing is fetched from
outside (no socket connects, no name is looked up), whatever URL-like text the facts hold."""

from __future__ import annotations

import gc
import socket
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

from certificates import issuance, pdf
from certificates.qualifications import QualificationData, save_qualification

COUNT = 200
WORKERS = 4


@pytest.fixture
def no_network(monkeypatch):
    """Every way out of the process refused and recorded."""
    tried: list[tuple] = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return tried


@pytest.mark.real_pdf
def test_two_hundred_pdfs_at_once_stay_within_memory_and_fetch_nothing(
    app, trainer, make_user, no_network, monkeypatch
):
    qualification = save_qualification(
        QualificationData(
            slug="many",
            kind="attendance",
            titles={"en": "Mediation basics", "ru": "Основы медиации", "kk": "Медиация негіздері"},
            disclaimers={
                "en": "See https://example.com/terms.png",
                "ru": "Нет.",
                "kk": "Жоқ.",
            },
            requires_identity=False,
            validity_months=36,
        )
    )
    holder = make_user(full_name='Әсел <img src="http://203.0.113.9/x.png"> Төлеуова')
    certificate, _ = issuance.issue(qualification, holder, None, by=trainer, language="kk")
    facts, url, token = certificate.facts, issuance.verify_url(certificate.number), certificate.jws

    alive: weakref.WeakSet = weakref.WeakSet()
    most = [0]
    lock = threading.Lock()

    class Counted(pdf.FPDF):
        """The PDF being drawn: counted while it lives."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            with lock:
                alive.add(self)
                most[0] = max(most[0], len(alive))

    def render(index: int) -> int:
        with app.app_context():
            language = ("kk", "ru", "en")[index % 3]
            return len(pdf.render_pdf({**facts, "language": language}, url, token))

    monkeypatch.setattr(pdf, "FPDF", Counted)
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # as in production (the suite's conftest raises them)
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            sizes = list(pool.map(render, range(COUNT)))
    finally:
        gc.set_threshold(*thresholds)

    assert no_network == []
    assert len(sizes) == COUNT and all(size > 10_000 for size in sizes)
    # Memory is bounded by the renderings alive at once: the workers' own, never one per PDF
    # made (a drawing's output producer lets go of it when the bytes are made, so nothing
    # waits for the garbage collector: certificates/pdf.py `_Producer`); none is kept after.
    assert most[0] <= 2 * WORKERS, most[0]
    gc.collect()
    assert len(alive) == 0
