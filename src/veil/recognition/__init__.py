"""Known faces: embeddings, a gallery of people, and keep/only decisions."""

from veil.errors import GalleryError
from veil.recognition.gallery import Gallery
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, KnownFaces

__all__ = ["DEFAULT_MATCH_THRESHOLD", "Gallery", "GalleryError", "KnownFaces"]
