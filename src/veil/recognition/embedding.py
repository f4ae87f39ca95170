"""dlib's 128-d face embedding (the ResNet in `face_recognition_models`), aligned on 5 landmarks."""

from __future__ import annotations

import cv2
import numpy as np

from veil.errors import VeilError

EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1"


class FaceEmbedder:
    """Maps a face box to a 128-d vector; the same person's faces lie within ~0.6 of each other."""

    def __init__(self) -> None:
        try:
            import dlib
            import face_recognition_models as models
        except ImportError:
            raise VeilError(None, "face embeddings need dlib: pip install 'veil[recognition]'") from None
        self._shape = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        self._encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())
        self._rectangle = dlib.rectangle

    def embed(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """The embedding of the face in ``box`` (xyxy) of a BGR image."""
        return self.embed_all(image, np.asarray(box, np.float64).reshape(1, 4))[0]

    def embed_all(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """``(N, 128)`` embeddings of the faces in ``boxes`` (one colour conversion for all)."""
        if len(boxes) == 0:
            return np.zeros((0, 128))
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        vectors = []
        for box in boxes:
            rect = self._rectangle(*(round(float(v)) for v in box))
            vectors.append(np.array(self._encoder.compute_face_descriptor(rgb, self._shape(rgb, rect))))
        return np.asarray(vectors)
