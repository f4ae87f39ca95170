from pathlib import Path

from veil.media import plan_jobs


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_files_get_suffixed_outputs_beside_them(tmp_path):
    photo = touch(tmp_path / "a.jpg")
    jobs, skipped = plan_jobs([photo])
    assert jobs[0].output == tmp_path / "a_anonymized.jpg"
    assert not skipped


def test_folder_tree_is_recreated_under_output(tmp_path):
    touch(tmp_path / "in" / "x.png")
    touch(tmp_path / "in" / "sub" / "y.JPG")
    touch(tmp_path / "in" / "notes.txt")
    touch(tmp_path / "in" / ".hidden.jpg")
    jobs, skipped = plan_jobs([tmp_path / "in"], tmp_path / "out")
    assert sorted(str(j.output.relative_to(tmp_path)) for j in jobs) == ["out/sub/y.JPG", "out/x.png"]
    # every other file is named, with why, and none is an error
    assert {(s.path.name, s.reason, s.failed) for s in skipped} == {
        ("notes.txt", "not an image or video", False),
        (".hidden.jpg", "hidden file", False),
    }


def test_photos_are_found_by_content_and_unwritable_formats_become_png(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "scan.tga")
    Image.new("RGB", (8, 8)).save(tmp_path / "no_extension", format="PNG")
    Image.new("RGB", (16, 16)).save(tmp_path / "icon.ico")
    jobs, skipped = plan_jobs([tmp_path], tmp_path / "out")
    assert sorted(str(j.output.relative_to(tmp_path)) for j in jobs) == [
        "out/icon.png",
        "out/no_extension.png",
        "out/scan.tga",
    ]
    assert not skipped


def test_previous_outputs_and_output_folder_are_not_reprocessed(tmp_path):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "a_anonymized.jpg")
    touch(tmp_path / "out" / "a.jpg")
    jobs, _ = plan_jobs([tmp_path])
    assert sorted(str(j.source.relative_to(tmp_path)) for j in jobs) == ["a.jpg", "out/a.jpg"]
    jobs, _ = plan_jobs([tmp_path], tmp_path / "out")
    assert [j.source for j in jobs] == [tmp_path / "a.jpg"]


def test_single_file_to_exact_output_path(tmp_path):
    photo = touch(tmp_path / "a.jpg")
    jobs, _ = plan_jobs([photo], tmp_path / "b.png")
    assert jobs[0].output == tmp_path / "b.png"


def test_never_overwrites_an_input(tmp_path):
    photo = touch(tmp_path / "a.jpg")
    jobs, skipped = plan_jobs([photo], tmp_path)  # -o is the input's own folder
    assert not jobs
    assert "overwrite an input" in skipped[0].reason


def test_missing_and_unsupported_are_reported(tmp_path):
    doc = touch(tmp_path / "doc.pdf")
    jobs, skipped = plan_jobs([tmp_path / "gone.jpg", doc])
    reasons = {s.path.name: s.reason for s in skipped}
    assert not jobs
    assert "no such file" in reasons["gone.jpg"]
    assert "not an image or video (format '.pdf'" in reasons["doc.pdf"]


def test_videos_become_mp4_unless_the_output_names_a_container(tmp_path):
    mov = touch(tmp_path / "in" / "clip.mov")
    gif = touch(tmp_path / "in" / "sub" / "loop.gif")
    touch(tmp_path / "in" / "photo.jpg")
    jobs, _ = plan_jobs([mov])
    assert jobs[0].output == tmp_path / "in" / "clip_anonymized.mp4"
    jobs, _ = plan_jobs([tmp_path / "in"], tmp_path / "out")
    assert sorted(str(j.output.relative_to(tmp_path)) for j in jobs) == [
        "out/clip.mp4",
        "out/photo.jpg",
        "out/sub/loop.mp4",
    ]
    jobs, _ = plan_jobs([mov], tmp_path / "exact.mkv")
    assert jobs[0].output == tmp_path / "exact.mkv"
    jobs, _ = plan_jobs([gif], tmp_path / "loop.gif")
    assert jobs[0].output == tmp_path / "loop.gif"


def test_an_output_name_that_cannot_hold_the_input_is_one_clear_error(tmp_path):
    photo, video = touch(tmp_path / "a.jpg"), touch(tmp_path / "clip.mov")
    for source, name, wanted in ((photo, "out.mp4", "photo"), (video, "still.png", "video")):
        jobs, skipped = plan_jobs([source], tmp_path / name)
        assert jobs == [] and [s.path for s in skipped] == [source]
        assert f"cannot write a {wanted} as '{Path(name).suffix}'" in skipped[0].reason
        assert not (tmp_path / name).exists(), "no folder is made under a file name"
    (tmp_path / "made.mp4").mkdir()  # an existing folder is a folder, whatever its name
    jobs, skipped = plan_jobs([photo], tmp_path / "made.mp4")
    assert skipped == [] and jobs[0].output == tmp_path / "made.mp4" / "a.jpg"


def test_colliding_outputs_are_refused(tmp_path):
    a = touch(tmp_path / "one" / "same.jpg")
    b = touch(tmp_path / "two" / "same.jpg")
    jobs, skipped = plan_jobs([a, b], tmp_path / "out")
    assert len(jobs) == 1
    assert "already writes" in skipped[0].reason


def test_special_files_are_skipped_without_being_opened(tmp_path: Path) -> None:
    """A FIFO named like a photo would block a reader forever: it is skipped, in a folder or named."""
    import os

    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)
    jobs, skipped = plan_jobs([tmp_path], tmp_path / "out")
    assert jobs == []
    assert [(s.path, s.reason, s.failed) for s in skipped] == [(fifo, "a FIFO, not a regular file", False)]
    jobs, skipped = plan_jobs([fifo], tmp_path / "out")
    assert jobs == [] and skipped[0].failed and "FIFO" in skipped[0].reason
