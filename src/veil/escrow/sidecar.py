"""The escrow sidecar ``OUTPUT.escrow``: original face pixels, sealed with age to public keys.

A sidecar is one age file (X25519 recipients; ChaCha20-Poly1305 in 64 KiB
authenticated chunks, so any changed byte fails to decrypt). Inside is a tar
stream, so a key holder can also look with standard tools
(``age -d -i escrow.key OUT.jpg.escrow | tar -tv``):

* ``faces/FRAME/FACE@X,Y.png``: the original pixels of one hidden face's
  region in one frame (frame 0 for a photo; FACE is the face's index in a
  photo, its track id in a video, a review's face or track id in its
  exports), lossless PNG, its top-left corner at X, Y;
* ``manifest.json`` (last): the format, the output's name and SHA-256 (what
  the sidecar is bound to), its size and frame count, and every sealed
  region.

Plain pixels never touch the disk: the tar is written into a pipe that age
encrypts on another thread, straight into the sidecar's temporary file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np
import pyrage

from veil.escrow.keys import EscrowError
from veil.files import commit, discard, file_sha256, temporary_beside

FORMAT = "veil-escrow/1"
SUFFIX = ".escrow"
MANIFEST = "manifest.json"
_REGION_NAME = re.compile(r"^faces/(\d+)/([\w-]+)@(\d+),(\d+)\.png$")


def sidecar_path(output: Path) -> Path:
    """``OUTPUT.escrow``, beside the output it belongs to."""
    return output.with_name(output.name + SUFFIX)


class Sealer:
    """Seals the original pixels of one output's hidden faces, frame by frame, as they are hidden.

    Call `add` for each frame, then `finish` once the output is written (the
    sidecar is bound to its bytes), or `abort`.
    """

    def __init__(self, output: Path, recipients: Sequence[pyrage.x25519.Recipient]) -> None:
        self.output = output
        self.bound: Path | None = None  # the output `finish` bound the sidecar to (maybe renamed)
        self._temp = temporary_beside(sidecar_path(output))
        # the manifest's regions wait on disk, not in memory (boxes only; pixels are sealed at once)
        self._regions = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self._temp.parent)  # noqa: SIM115
        self._region_count = 0
        self._faces: set[str] = set()
        self._sink = open(self._temp, "wb")  # noqa: SIM115 (closed in finish/abort)
        read, write = os.pipe()
        self._errors: list[BaseException] = []
        source = os.fdopen(read, "rb")
        self._thread = threading.Thread(
            target=self._encrypt, args=(source, list(recipients)), name="veil-escrow", daemon=True
        )
        self._thread.start()
        self._pipe = os.fdopen(write, "wb")
        self._tar = tarfile.open(fileobj=self._pipe, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115

    def _encrypt(self, source: IO[bytes], recipients: list[pyrage.x25519.Recipient]) -> None:
        try:
            pyrage.encrypt_io(source, self._sink, recipients)
        except BaseException as exc:  # surfaces in finish
            self._errors.append(exc)
        finally:
            source.close()

    def add(self, frame: int, pixels: np.ndarray, ids: Sequence[str], boxes: Sequence[Sequence[int]]) -> None:
        """Seal ``pixels`` (the original frame) inside each box; ``ids``: the faces' ids."""
        height, width = pixels.shape[:2]
        for face, box in zip(ids, boxes, strict=True):
            x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
            x2, y2 = min(width, int(box[2])), min(height, int(box[3]))
            if x2 <= x1 or y2 <= y1:
                continue
            if not re.fullmatch(r"[\w-]+", face):
                raise ValueError(f"a face id is letters, digits, - and _; not {face!r}")
            ok, png = cv2.imencode(".png", np.ascontiguousarray(pixels[y1:y2, x1:x2]))
            if not ok:
                raise EscrowError(self.output, f"cannot compress face {face} of frame {frame}")
            name = f"faces/{frame}/{face}@{x1},{y1}.png"
            self._put(name, png.tobytes())
            region = {"frame": frame, "face": face, "box": [x1, y1, x2, y2], "file": name}
            self._regions.write((", " if self._region_count else "") + json.dumps(region))
            self._region_count += 1
            self._faces.add(face)

    def _put(self, name: str, data: bytes) -> None:
        self._put_stream(name, io.BytesIO(data), len(data))

    def _put_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        try:
            self._tar.addfile(info, stream)
        except OSError:  # a broken pipe: the encryption stopped
            raise EscrowError(self.output, f"cannot seal ({self._reason()})") from None

    def _manifest(self, head: dict[str, Any]) -> tuple[IO[bytes], int]:
        """The manifest (``head`` and every region) in an unnamed temporary file, and its size."""
        manifest = tempfile.TemporaryFile(dir=self._temp.parent)  # noqa: SIM115 (closed by finish)
        manifest.write(json.dumps(head)[:-1].encode() + b', "regions": [')
        self._regions.seek(0)
        while block := self._regions.read(1 << 20):
            manifest.write(block.encode())
        manifest.write(b"]}")
        size = manifest.tell()
        manifest.seek(0)
        return manifest, size

    def _reason(self) -> str:
        self._thread.join(timeout=5)
        return str(self._errors[0]) if self._errors else "the encryption stopped"

    def finish(self, output: Path, kind: str, width: int, height: int, frames: int) -> Path:
        """Bind the sidecar to ``output`` (its final name and bytes), close it and move it into place."""
        self.bound = output
        head = {
            "format": FORMAT,
            "kind": kind,
            "output": {"name": output.name, "sha256": file_sha256(output)},
            "width": width,
            "height": height,
            "frames": frames,
            "faces": sorted(self._faces, key=_natural),
        }
        try:
            manifest, size = self._manifest(head)
            with manifest:
                self._put_stream(MANIFEST, manifest, size)
            self._regions.close()
            self._tar.close()
            self._pipe.close()
        except OSError:
            self.abort()
            raise EscrowError(output, f"cannot seal ({self._reason()})") from None
        self._thread.join()
        self._sink.close()
        if self._errors:
            self.abort()
            raise EscrowError(output, f"cannot seal ({self._errors[0]})")
        target = sidecar_path(output)
        commit(self._temp, target)
        return target

    def abort(self) -> None:
        """Stop sealing and remove the partial sidecar."""
        for closing in (self._tar.close, self._pipe.close, self._regions.close):
            with contextlib.suppress(Exception):
                closing()
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self._sink.close()
        discard(self._temp)


def _natural(face: str) -> tuple[int, int, str]:
    """Face ids in order: 2 before 10, numbers before names."""
    return (0, int(face), "") if face.isdigit() else (1, 0, face)


@dataclass(frozen=True)
class SealedRegion:
    """One face's original pixels in one frame, as sealed."""

    frame: int
    face: str
    x: int
    y: int
    pixels: np.ndarray


@contextlib.contextmanager
def _opened(sidecar: Path, identities: Sequence[pyrage.x25519.Identity]) -> Iterator[tarfile.TarFile]:
    """The sidecar's tar stream, decrypted on another thread; errors become `EscrowError`s."""
    try:
        encrypted = open(sidecar, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise EscrowError(sidecar, f"cannot read ({exc.strerror or exc})") from None
    read, write = os.pipe()
    errors: list[BaseException] = []
    plain = os.fdopen(write, "wb")

    def decrypt() -> None:
        try:
            pyrage.decrypt_io(encrypted, plain, list(identities))
        except BaseException as exc:
            errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                plain.close()

    thread = threading.Thread(target=decrypt, name="veil-reveal", daemon=True)
    thread.start()
    stream = os.fdopen(read, "rb")
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            yield tar
            for _ in tar:  # drain: the decryption must reach the end to be checked
                pass
    except (tarfile.TarError, OSError, ValueError, KeyError) as exc:
        stream.close()
        thread.join()
        raise _decrypt_error(sidecar, errors) or EscrowError(sidecar, f"damaged ({exc})") from None
    finally:
        stream.close()
        thread.join()
        encrypted.close()
    failure = _decrypt_error(sidecar, errors)
    if failure is not None:
        raise failure


def _decrypt_error(sidecar: Path, errors: list[BaseException]) -> EscrowError | None:
    if not errors:
        return None
    message = str(errors[0])
    if "No matching keys" in message:
        return EscrowError(
            sidecar, "this key cannot open it (not a key it was sealed to, or its header was changed)"
        )
    if "Header is invalid" in message:  # a changed header byte that no longer parses
        return EscrowError(sidecar, "its header was changed or damaged: it cannot be read")
    return EscrowError(sidecar, f"it was changed or damaged: authentication failed ({message})")


def read_manifest(sidecar: Path, identities: Sequence[pyrage.x25519.Identity]) -> dict[str, Any]:
    """Decrypt the whole sidecar, checking every byte, and return its manifest (nothing is kept)."""
    manifest = None
    names: set[str] = set()
    with _opened(sidecar, identities) as tar:
        for member in tar:
            names.add(member.name)
            if member.name == MANIFEST:
                extracted = tar.extractfile(member)
                manifest = json.loads(extracted.read()) if extracted is not None else None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EscrowError(sidecar, f"not a veil escrow sidecar ({FORMAT}) or damaged")
    missing = [r["file"] for r in manifest["regions"] if r["file"] not in names]
    if missing:
        raise EscrowError(sidecar, f"damaged: {len(missing)} sealed regions are missing")
    return manifest


def sealed_regions(sidecar: Path, identities: Sequence[pyrage.x25519.Identity]) -> Iterator[SealedRegion]:
    """Every sealed region in frame order, decrypted as it is read (call `read_manifest` first)."""
    with _opened(sidecar, identities) as tar:
        for member in tar:
            match = _REGION_NAME.match(member.name)
            extracted = tar.extractfile(member) if match else None
            if match is None or extracted is None:
                continue
            pixels = cv2.imdecode(np.frombuffer(extracted.read(), np.uint8), cv2.IMREAD_UNCHANGED)
            if pixels is None:
                raise EscrowError(sidecar, f"damaged: {member.name} does not decode")
            frame, face, x, y = match.groups()
            yield SealedRegion(int(frame), face, int(x), int(y), pixels)
