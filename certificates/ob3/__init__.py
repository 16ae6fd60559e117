"""Portable credentials: Open Badges 3.0 / Verifiable Credentials 2.0 with Data Integrity
proofs (``eddsa-rdfc-2022``), the site's ``did:web`` and the JSON-LD contexts they need.

Plain functions, no request needed:

- ``loader``: the frozen document loader (bundled contexts only, any other URL refused);
- ``safe``: the safe-mode check run before signing (``CredentialRefused``);
- ``di``: ``sign`` / ``add_proof`` / ``verify`` / ``check_proof`` for ``eddsa-rdfc-2022``;
- ``did``: the site's ``did:web`` and DID document (every key of the key ring as Multikey);
- ``multikey``: Ed25519 keys as Multikey and the key forms ``di.sign`` accepts;
- ``identity``: ``identity_hash`` and the recipient's ``IdentityObject``.

The existing compact JWS (``certificates.signing``) is unchanged; see docs/architecture.md,
"Portable credentials (Open Badges 3.0)".
"""
