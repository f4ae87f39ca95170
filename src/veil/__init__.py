"""veil: find every face in photos and hide it, with numbers that show how well it worked.

Public API::

    import veil
    hidden, faces = veil.anonymize(frame_bgr, filter="pixelate")
    anonymizer = veil.Anonymizer(detector="centerface")   # load once, reuse
    detector = veil.load_detector("yunet", threshold=0.5, scale=2)
"""

__version__ = "0.1.0"

from veil.detection import load_detector
from veil.faces import Faces
from veil.filters import make_filter
from veil.pipeline import Anonymizer, Settings, anonymize

__all__ = ["Anonymizer", "Faces", "Settings", "__version__", "anonymize", "load_detector", "make_filter"]
