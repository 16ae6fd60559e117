"""The certificate PDF (real Kazakh text, metadata, a QR that leads to the same certificate),
and checking the signature offline with the CLI after a key rotation."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from certificates import rendering
from certificates.signing import canonical_json

KAZAKH_NAME = "Әлия Қасымқызы Нұрланова"
pytestmark = pytest.mark.real_pdf  # every test reads the PDF


@pytest.fixture
def certificate(make_qualification, issue_to, make_user):
    return issue_to(make_qualification(), make_user(full_name=KAZAKH_NAME), language="kk")


def test_pdf_holds_real_text_metadata_and_is_stored_with_its_hash(certificate):
    data = rendering.pdf_bytes(certificate)
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = page.extract_text()
    for printed in (KAZAKH_NAME, certificate.number, certificate.facts["disclaimer"][:40]):
        assert printed in text
    assert "Медиация негіздері" in text  # the Kazakh title of the qualification
    assert KAZAKH_NAME in reader.metadata.title
    assert reader.metadata.author == certificate.facts["issuer"]
    assert reader.attachments["certificate.jws"][0].decode() == certificate.jws


def test_the_qr_code_opens_this_certificates_page(client, certificate, app):
    document = pypdfium2.PdfDocument(rendering.pdf_bytes(certificate))
    try:
        image = document[0].render(scale=100 / 72).to_pil()
    finally:
        document.close()
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == f"{app.config['PUBLIC_URL']}/verify/{certificate.number}"
    page = client.get(urlsplit(code.text).path)
    assert page.status_code == 200
    assert certificate.number in page.get_data(as_text=True)


def _write(tmp_path, client, certificate):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(rendering.pdf_bytes(certificate))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").get_data(as_text=True))
    return pdf, jwks


def test_verify_offline_reads_the_pdf_json_or_bare_token(runner, client, certificate, tmp_path):
    pdf, jwks = _write(tmp_path, client, certificate)
    record = tmp_path / "record.json"
    record.write_text(
        client.get(f"/api/v1/certificates/{certificate.number}").get_data(as_text=True)
    )
    bare = tmp_path / "token.jws"
    bare.write_text(certificate.jws)
    for source in (pdf, record, bare):
        result = runner.invoke(
            args=["certificates", "verify-offline", str(source), "--jwks", str(jwks)]
        )
        assert result.exit_code == 0, result.output
        assert "Signature valid" in result.output
        assert KAZAKH_NAME in result.output


def test_verify_offline_refuses_a_forged_record(runner, client, certificate, tmp_path):
    _, jwks = _write(tmp_path, client, certificate)
    header, _, signature = certificate.jws.split(".")
    forged_facts = dict(certificate.facts, holder="Someone Else")
    forged_payload = base64.urlsafe_b64encode(canonical_json(forged_facts)).rstrip(b"=").decode()
    forged = tmp_path / "forged.jws"
    forged.write_text(f"{header}.{forged_payload}.{signature}")
    result = runner.invoke(
        args=["certificates", "verify-offline", str(forged), "--jwks", str(jwks)]
    )
    assert result.exit_code != 0
    assert "NOT valid" in result.output
    not_pdf = tmp_path / "broken.pdf"
    not_pdf.write_bytes(b"%PDF-1.4 nonsense")
    result = runner.invoke(
        args=["certificates", "verify-offline", str(not_pdf), "--jwks", str(jwks)]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_rotation_keeps_older_certificates_verifiable(
    runner, client, certificate, tmp_path, make_qualification, issue_to, make_user
):
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0 and "2 keys published" in result.output
    newer = issue_to(make_qualification(), make_user())
    assert newer.key_id != certificate.key_id
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert [k["kid"] for k in jwks["keys"]] == [certificate.key_id, newer.key_id]
    for issued in (certificate, newer):
        body = client.get(f"/api/v1/certificates/{issued.number}").get_json()
        assert body["signature"] == {"valid": True, "kid": issued.key_id}
        page = client.get(f"/verify/{issued.number}").get_data(as_text=True)
        assert "The signature checks out" in page and issued.key_id[:12] in page
    pdf, jwks_file = _write(tmp_path, client, certificate)
    offline = runner.invoke(
        args=["certificates", "verify-offline", str(pdf), "--jwks", str(jwks_file)]
    )
    assert offline.exit_code == 0 and certificate.key_id in offline.output
    assert json.loads(jwks_file.read_text())["keys"][0]["kid"] == certificate.key_id
