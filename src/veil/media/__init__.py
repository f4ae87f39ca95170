"""Reading, writing and finding media files."""

from veil.media.discovery import OUTPUT_SUFFIX, Job, Skipped, default_output, plan_jobs
from veil.media.images import IMAGE_EXTENSIONS, Photo, read_photo, write_photo
from veil.media.kinds import VIDEO_EXTENSIONS, is_video
from veil.media.video import Frame, VideoInfo, VideoReader
from veil.media.video_writer import EncoderSettings, VideoWriter

__all__ = [
    "IMAGE_EXTENSIONS",
    "OUTPUT_SUFFIX",
    "VIDEO_EXTENSIONS",
    "EncoderSettings",
    "Frame",
    "Job",
    "Photo",
    "Skipped",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "default_output",
    "is_video",
    "plan_jobs",
    "read_photo",
    "write_photo",
]
