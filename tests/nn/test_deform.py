import numpy as np
import pytest
import torch

from augan.nn.deform import Deformation, deform_images


def _bars(n: int = 6, side: int = 16) -> torch.Tensor:
    x = torch.zeros(n, 1, side, side)
    x[:, :, 4:12, 6:10] = 1.0
    return x


def test_no_deformation_gives_the_images_back():
    x = torch.rand(5, 3, 12, 12)
    still = Deformation(rotation=0, scale=0, shear=0, shift=0, elastic=0)
    torch.testing.assert_close(deform_images(x, torch.Generator().manual_seed(0), still), x)


def test_each_image_gets_its_own_deformation_and_a_seed_repeats_them():
    x = _bars()
    first = deform_images(x, torch.Generator().manual_seed(3))
    again = deform_images(x, torch.Generator().manual_seed(3))
    other = deform_images(x, torch.Generator().manual_seed(4))
    assert first.shape == x.shape and first.dtype == x.dtype
    torch.testing.assert_close(first, again)
    assert not torch.allclose(first, other)
    flat = first.reshape(len(x), -1)
    assert all(not torch.allclose(flat[0], flat[i]) for i in range(1, len(x)))


def test_a_deformed_image_stays_near_its_source():
    x = _bars(20)
    moved = deform_images(x, torch.Generator().manual_seed(0))
    # The stroke keeps most of its pixels (it is bent and moved by a pixel or two, not sent elsewhere), and what
    # comes in from outside the image is background.
    overlap = (moved * x).sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert overlap.min() > 0.4 and (moved - x).abs().amax() > 0.2
    assert float(deform_images(torch.zeros(4, 1, 8, 8), torch.Generator().manual_seed(0)).abs().max()) == 0.0


def test_a_large_batch_is_deformed_in_chunks_of_the_same_draws():
    x = _bars(9)
    chunked = deform_images(x, torch.Generator().manual_seed(1), chunk=4)
    generator = torch.Generator().manual_seed(1)
    one_by_one = torch.cat([deform_images(part, generator) for part in x.split(4)])
    torch.testing.assert_close(chunked, one_by_one)
    assert not torch.allclose(chunked[:4], chunked[4:8])


def test_large_images_are_deformed_a_few_at_a_time(monkeypatch):
    import augan.nn.deform as deform

    seen = []
    original = deform._deform
    monkeypatch.setattr(deform, "_deform", lambda part, *args: seen.append(len(part)) or original(part, *args))
    x = torch.zeros(5, 1, 64, 64)
    monkeypatch.setattr(deform, "CHUNK_PIXELS", 2 * 64 * 64)
    out = deform_images(x, torch.Generator().manual_seed(0))
    assert seen == [2, 2, 1] and out.shape == x.shape
    seen.clear()
    deform_images(torch.zeros(3, 1, 128, 128), torch.Generator().manual_seed(0))  # larger than a chunk: one each
    assert seen == [1, 1, 1]


def test_other_shapes_are_refused_naming_the_shape():
    with pytest.raises(ValueError, match=r"\(n, C, H, W\), got \(4, 8, 8\)"):
        deform_images(torch.zeros(4, 8, 8), torch.Generator())
    assert deform_images(torch.zeros(0, 1, 8, 8), torch.Generator()).shape == (0, 1, 8, 8)


@pytest.mark.parametrize("options, message", [
    ({"rotation": -0.1}, "rotation must be a number of at least 0, got -0.1"),
    ({"elastic": float("nan")}, "elastic must be a number of at least 0, got nan"),
    ({"shift": "0.1"}, "shift must be a number of at least 0, got '0.1'"),
    ({"scale": 1.0}, "scale must be below 1"),
    ({"grid": 1}, "grid must be a whole number from 2 to 64, got 1"),
    # A grid of 10**6 nodes a side would have asked for 8 TB of displacements per image once deformed.
    ({"grid": 10**6}, "grid must be a whole number from 2 to 64, got 1000000"),
])
def test_a_deformation_out_of_range_is_refused_naming_the_field(options, message):
    with pytest.raises(ValueError, match=message):
        Deformation(**options)


def test_numpy_numbers_are_numbers():
    x = torch.zeros(2, 1, 8, 8)
    x[:, :, 2:6, 3:5] = 1
    bent = deform_images(x, torch.Generator().manual_seed(0),
                         Deformation(rotation=np.float32(0.1), scale=np.float64(0.05), grid=np.int64(3)))
    assert bent.shape == x.shape and float(bent.sum()) > 0


def test_what_comes_in_from_outside_continues_the_edge_of_the_image():
    # A dark square on white, and a fully opaque alpha channel: rotations, shifts and shrinking bring in area from
    # outside the image, which must be the image's own background (white, opaque), not black or transparent.
    x = torch.ones(16, 2, 16, 16)
    x[:, 0, 5:11, 5:11] = 0.0
    turned = Deformation(rotation=0.6, scale=0.2, shift=0.05)  # corners come in from outside, the square stays in
    moved = deform_images(x, torch.Generator().manual_seed(0), turned)
    edge = torch.ones(16, 16, dtype=torch.bool)
    edge[2:-2, 2:-2] = False
    assert float(moved[:, 0][:, edge].min()) > 0.99
    assert float(moved[:, 1].min()) > 0.999
    assert float(moved[:, 0].min()) < 0.01  # the square is still there
