"""Known faces: embeddings, a gallery of people, and keep/only decisions."""

from veil.recognition.gallery import Gallery, GalleryError
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, Decisions, KnownFaces

__all__ = ["DEFAULT_MATCH_THRESHOLD", "Decisions", "Gallery", "GalleryError", "KnownFaces"]
