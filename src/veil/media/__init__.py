"""Reading, writing and finding media files."""

from veil.media.discovery import OUTPUT_SUFFIX, Job, Skipped, default_output, plan_jobs
from veil.media.images import IMAGE_EXTENSIONS, Photo, read_photo, write_photo

__all__ = [
    "IMAGE_EXTENSIONS",
    "OUTPUT_SUFFIX",
    "Job",
    "Photo",
    "Skipped",
    "default_output",
    "plan_jobs",
    "read_photo",
    "write_photo",
]
