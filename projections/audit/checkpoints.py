"""Tamper evidence, part 3: signed checkpoints of the chain (Ed25519).

A checkpoint says "at position P the chain's hash was H", signed. Kept outside the system by an auditor,
it exposes a chain that was rewritten afterwards: the rewritten chain is consistent in itself, but its
hash at P is no longer H. The signed bytes are the UTF-8 lines

    lianjian-checkpoint/1\\n<algorithm>\\n<position>\\n<hash hex>\\n<created_at ISO-8601>\\n
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.application import Supervision
from projections.audit.chain import CHAIN_TABLE, ChainError, ChainTables, table_exists
from projections.runtime.db import ViewDatabase

CHECKPOINT_FORMAT = "lianjian-checkpoint/1"
CHECKPOINT_TABLE = "audit_checkpoints"
KEY_FILE = "audit-signing-key.pem"  # in the data directory unless a key file is given


@dataclass(frozen=True)
class Checkpoint:
    algorithm: str
    position: int
    hash: str
    created_at: str
    public_key: str  # raw Ed25519 public key, hex
    signature: str  # hex
    format: str = CHECKPOINT_FORMAT

    def signed_bytes(self) -> bytes:
        return f"{self.format}\n{self.algorithm}\n{self.position}\n{self.hash}\n{self.created_at}\n".encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data = json.loads(text)
            checkpoint = cls(**{k: data[k] for k in ("algorithm", "position", "hash", "created_at", "public_key",
                                                     "signature")}, format=data.get("format", CHECKPOINT_FORMAT))
        except (ValueError, KeyError, TypeError) as error:
            raise ChainError(f"not a Lianjian checkpoint: {error}") from None
        if checkpoint.format != CHECKPOINT_FORMAT or not isinstance(checkpoint.position, int):
            raise ChainError(f"not a {CHECKPOINT_FORMAT} checkpoint")
        return checkpoint

    def signature_valid(self) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.public_key))
            key.verify(bytes.fromhex(self.signature), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def key_id(self) -> str:
        """A short name of the signing key: the first 16 hex digits of SHA-256 of the public key."""
        import hashlib

        return hashlib.sha256(bytes.fromhex(self.public_key)).hexdigest()[:16]


def load_signing_key(path: Path, create: bool = False) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM (PKCS#8) file; made (mode 0600) when asked and absent."""
    if not path.exists():
        if not create:
            raise ChainError(f"no signing key at {path}; run `lianjian checkpoint` once to make one, or give --key")
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        return key
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise ChainError(f"{path} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ChainError(f"{path} holds no Ed25519 key")
    return key


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, algorithm: str, position: int, hash_hex: str, created_at: str) -> Checkpoint:
    unsigned = Checkpoint(algorithm, position, hash_hex, created_at, public_key_hex(key), "")
    return Checkpoint(algorithm, position, hash_hex, created_at, unsigned.public_key,
                      key.sign(unsigned.signed_bytes()).hex())


def _create_table(db: ViewDatabase) -> None:
    with db.transaction() as tx:
        tx.execute(f"CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} (position BIGINT NOT NULL, hash TEXT NOT NULL,"
                   " algorithm TEXT NOT NULL, created_at TEXT NOT NULL, public_key TEXT NOT NULL,"
                   " signature TEXT NOT NULL, PRIMARY KEY (position, created_at, public_key))")


def write_checkpoint(app: Supervision, key: Ed25519PrivateKey) -> Checkpoint:
    """Sign the chain's head now, store the checkpoint and return it (print it; keep it elsewhere)."""
    tables = ChainTables(app)
    tables.create()
    _create_table(tables.db)
    with tables.db.transaction() as tx:
        algorithm = tables.algorithm(tx)
        if algorithm is None:
            raise ChainError("nothing is sealed yet: run `lianjian seal` first")
        position, hash_hex = tables.head(tx)
        checkpoint = sign(key, algorithm, position, hash_hex, datetime.now(timezone.utc).isoformat())
        tx.execute(f"INSERT INTO {CHECKPOINT_TABLE} (position, hash, algorithm, created_at, public_key, signature)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (checkpoint.position, checkpoint.hash, checkpoint.algorithm,
                                                  checkpoint.created_at, checkpoint.public_key, checkpoint.signature))
    return checkpoint


def stored_checkpoints(app: Supervision) -> list[Checkpoint]:
    db = ViewDatabase(app)
    with db.transaction(commit=False) as tx:
        if not table_exists(tx, db, CHECKPOINT_TABLE):
            return []
        rows = tx.rows(f"SELECT * FROM {CHECKPOINT_TABLE} ORDER BY position, created_at")
    return [Checkpoint(r["algorithm"], int(r["position"]), r["hash"], r["created_at"], r["public_key"],
                       r["signature"]) for r in rows]


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ChainError(f"cannot read the checkpoint {path}: {error.strerror}") from None
    return Checkpoint.from_json(text)


def check_against(app: Supervision, checkpoint: Checkpoint, key: str | None = None,
                  tables: ChainTables | None = None) -> str | None:
    """None when the chain agrees with the checkpoint, else why not (signature, key, algorithm, hash).

    ``key``: the public key (hex) the checkpoint must be signed with, when the auditor pins one.
    """
    if not checkpoint.signature_valid():
        return "the checkpoint's signature does not verify: it was altered or not signed by its key"
    if key is not None and checkpoint.public_key != key:
        return f"the checkpoint was signed by key {checkpoint.key_id}, not the expected one"
    tables = tables or ChainTables(app)
    if not tables.exists():
        return f"the store has no chain, but the checkpoint names position {checkpoint.position}"
    with tables.db.transaction(commit=False) as tx:
        algorithm = tables.algorithm(tx)
        if algorithm != checkpoint.algorithm:
            return f"the chain is sealed with {algorithm}, the checkpoint with {checkpoint.algorithm}: rewritten"
        if checkpoint.position == 0:
            return None
        found = tx.row(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = ?", (checkpoint.position,))
    if found is None:
        return f"the chain has no entry at #{checkpoint.position}, which the checkpoint seals: the chain was cut"
    if found["hash"] != checkpoint.hash:
        return (f"the chain's hash at #{checkpoint.position} is {found['hash'][:16]}…, the kept checkpoint says"
                f" {checkpoint.hash[:16]}…: the chain was rewritten")
    return None
