"""veil: find every face in photos and videos and hide it, with numbers that show how well it worked.

Examples:
    >>> import cv2, veil
    >>> hidden, faces = veil.anonymize(cv2.imread("examples/newton.png"), filter="pixelate")
    >>> len(faces)
    1
    >>> anonymizer = veil.Anonymizer(profile="thorough")       # load models once, reuse
    >>> record = anonymizer.process_file("examples/gauss.png", "gauss_hidden.png")
    >>> record.to_json()["faces"][0]["action"]["filter"]
    'pixelate'
    >>> detector = veil.load_detector("yunet", threshold=0.5, scale=2)

Your own detector (``detect(frame) -> Faces``), filter (``apply(frame, faces) ->
frame``) or in-memory gallery (`KnownFaces`) plugs into `Anonymizer` in place of a name.
Every error veil raises is a `VeilError` with a ``path`` and a ``reason``.
"""

from veil.anonymizer import Anonymizer, FrameResult, anonymize
from veil.detection import Detector, load_detector
from veil.errors import DetectorUnavailable, GalleryError, MediaError, VeilError
from veil.faces import Faces
from veil.filters import Filter, make_filter
from veil.recognition import Gallery, KnownFaces
from veil.report import FileRecord
from veil.settings import Settings
from veil.version import __version__

__all__ = [
    "Anonymizer",
    "Detector",
    "DetectorUnavailable",
    "Faces",
    "FileRecord",
    "Filter",
    "FrameResult",
    "Gallery",
    "GalleryError",
    "KnownFaces",
    "MediaError",
    "Settings",
    "VeilError",
    "__version__",
    "anonymize",
    "load_detector",
    "make_filter",
]
