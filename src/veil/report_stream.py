"""Reports written as the work is done, and read back one frame at a time.

A report of an hour of video is gigabytes of JSON (about 50 KB a frame on a
busy street); built in memory it would need many times that before a byte is
written. `ReportWriter` writes each file's entry as the file finishes and
spools a video's frames to disk as they are done, so memory stays flat
however long the video. The document is the one `veil.report.build_report`
describes (schema: ``veil/schema/detections.schema.json``), renamed into place
only when complete. `iter_frames` reads any report back a frame at a time, for
reports too large for `json.load`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from veil.errors import MediaError
from veil.files import commit, discard, temporary_beside
from veil.media.video import Frame
from veil.pipeline import FrameResult, Observer
from veil.report import FileRecord, FrameRecord, frame_json
from veil.version import __version__


class ReportWriter:
    """A report or detections file, written file by file and frame by frame.

    Use `follow` around each file's processing, then `close` with the
    failures and skips; `abort` (or an exception inside ``with``) leaves
    nothing behind.

    Examples:
        >>> from veil import Anonymizer
        >>> anonymizer = Anonymizer(profile="fast")
        >>> with ReportWriter("report.json") as report:
        ...     record = report.follow(
        ...         lambda observers: anonymizer.process_file(
        ...             "examples/newton.png", "newton_out.png", observers=observers, keep_frames=False
        ...         )
        ...     )
        ...     report.close(errors=[], skipped=[])
        >>> import json; len(json.load(open("report.json"))["files"][0]["faces"])
        1
    """

    def __init__(self, path: str | Path, settings: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise MediaError(self.path, "is a folder: name the report's file")
        self._temp = temporary_beside(self.path)
        head: dict[str, Any] = {"veil_version": __version__}
        if settings is not None:
            head["settings"] = settings
        try:
            self._out: IO[str] = open(self._temp, "w", encoding="utf-8")  # noqa: SIM115 (closed by close/abort)
            self._out.write(json.dumps(head)[:-1] + ', "files": [\n')
        except OSError as exc:
            discard(self._temp)
            raise MediaError(self.path, f"cannot write ({exc.strerror or exc})") from None
        self._files = 0
        self._spool: IO[str] | None = None
        self._closed = False

    def follow(
        self,
        process: Callable[[Sequence[Observer]], FileRecord],
        filter_name: str | None = None,
        mask_shape: str | None = None,
    ) -> FileRecord:
        """Run ``process(observers)`` for one file and write its entry; a failed file leaves none.

        The observers spool each video frame (with the ``filter_name`` and
        ``mask_shape`` applied to its faces) to an unnamed temporary file
        beside the report; pass ``keep_frames=False`` to the processing so
        the record does not hold them too.
        """
        spool = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.path.parent)  # noqa: SIM115
        count = 0

        def observe(frame: Frame, result: FrameResult) -> None:
            nonlocal count
            record = FrameRecord(frame.index, frame.time, result.faces, result.regions)
            spool.write((",\n" if count else "") + json.dumps(frame_json(record, filter_name, mask_shape)))
            count += 1

        try:
            record = process([observe])
            self._add(record, spool)
        finally:
            spool.close()
        return record

    def _add(self, record: FileRecord, spool: IO[str]) -> None:
        entry = json.dumps(record.to_json())
        try:
            self._out.write(",\n" if self._files else "")
            if record.frames is None and record.summary is not None:  # a video whose frames were spooled
                self._out.write(entry[:-1] + ', "frames": [\n')
                spool.seek(0)
                shutil.copyfileobj(spool, self._out)
                self._out.write("\n]}")
            else:
                self._out.write(entry)
        except OSError as exc:
            raise MediaError(self.path, f"cannot write ({exc.strerror or exc})") from None
        self._files += 1

    def close(self, errors: list[tuple[Path, str]], skipped: list[tuple[Path, str]]) -> None:
        """Write the failures and skips and put the report in place.

        Raises:
            MediaError: the report cannot be written; nothing is left behind.
        """
        tail: dict[str, Any] = {"errors": [{"path": str(path), "error": reason} for path, reason in errors]}
        if skipped:
            tail["skipped"] = [{"path": str(path), "reason": reason} for path, reason in skipped]
        try:
            self._out.write("\n], " + json.dumps(tail)[1:] + "\n")
            self._out.close()
            commit(self._temp, self.path)
        except OSError as exc:
            self.abort()
            raise MediaError(self.path, f"cannot write ({exc.strerror or exc})") from None
        self._closed = True

    def abort(self) -> None:
        """Stop without a report: the partial one is removed."""
        self._out.close()
        discard(self._temp)
        self._closed = True

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._closed:
            self.abort()


def iter_frames(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file path, frame entry)`` for every video frame in a report, read a frame at a time.

    Works on any report or detections file veil wrote (a file's path comes
    before its frames), in memory that does not grow with its length.
    """
    import ijson
    from ijson.common import ObjectBuilder

    with open(path, "rb") as stream:
        current = ""
        builder: ObjectBuilder | None = None
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == FRAME_PREFIX and event == "end_map":
                    yield current, builder.value
                    builder = None
            elif prefix == FRAME_PREFIX and event == "start_map":
                builder = ObjectBuilder()
                builder.event(event, value)
            elif prefix == "files.item.path":
                current = str(value)


FRAME_PREFIX = "files.item.frames.item"
"""Where ijson finds a video frame in a report."""
