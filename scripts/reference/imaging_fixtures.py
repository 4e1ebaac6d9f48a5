#!/usr/bin/env python3
"""Generates the Imaging test fixtures and their reference decodes (Pillow, numpy, torchvision).

Run once by a developer; users and CI never need Python. Writes Tests/ImagingTests/Fixtures/:
  png/*.png, jpeg/*.jpg  every PNG colour type/bit depth/interlace, JPEG kinds, all 8 EXIF orientations
  bad/*                  truncated, bad CRC, empty, text named .png, decompression bombs, CMYK
  ref/*.f32              expected decode: little-endian float32, planar RGB (CHW) in [0, 1]
  resize/*.rgb           Pillow resizes of resize/source.png: raw 8-bit interleaved RGB
  manifest.json          what each file is and what to expect

    /work/main/.venv-ref/bin/python scripts/reference/imaging_fixtures.py

PNGs with unusual layouts are written by the small writer below (Pillow cannot write 16-bit RGB, 2-bit gray or
interlaced files); every one of them is read back with Pillow and checked against the intended values.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ImagingTests", "Fixtures")
W, H = 29, 19  # odd, non-square: exercises Adam7 edges, chroma subsampling edges and orientation
rng = np.random.default_rng(5)
manifest = {"decode": [], "bad": [], "resize": [], "training": []}


def out(*parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def photo(w, h, seed):
    """A small photo-like RGB image: gradients, a disc, edges and noise."""
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    img[..., 0] = 40 + 180 * x / max(w - 1, 1)
    img[..., 1] = 60 + 150 * y / max(h - 1, 1)
    img[..., 2] = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.3) ** 2
    img[disc] = [230, 40, 30]
    img[:, w // 5 : w // 5 + 2] = [10, 10, 10]
    img += r.normal(0, 12, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# --- a minimal PNG writer -------------------------------------------------------------------------------------

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_rows(samples, bit_depth):
    """samples: (h, w, c) integer array -> list of raw row bytes (no filter byte)."""
    h, w, c = samples.shape
    rows = []
    for row in samples:
        flat = row.reshape(-1)
        if bit_depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per = 8 // bit_depth
            out_bytes = bytearray((len(flat) * bit_depth + 7) // 8)
            for i, v in enumerate(flat):
                out_bytes[i // per] |= int(v) << (8 - bit_depth * (i % per + 1))
            rows.append(bytes(out_bytes))
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, samples, color_type, bit_depth, palette=None, trns=None, interlace=False, exif=None):
    h, w = samples.shape[:2]
    raw = b""
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            raw += b"".join(b"\x00" + r for r in pack_rows(sub, bit_depth))
    else:
        raw = b"".join(b"\x00" + r for r in pack_rows(samples, bit_depth))
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if exif is not None:
        data += chunk(b"eXIf", exif)
    if palette is not None:
        data += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9))
    data += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)
    return data


def save_reference(name, rgb_float):
    """rgb_float: (h, w, 3) in [0, 1] -> ref/NAME.f32, planar."""
    path = out("ref", name + ".f32")
    np.ascontiguousarray(rgb_float.transpose(2, 0, 1)).astype("<f4").tofile(path)
    return "ref/" + name + ".f32"


def composite(rgb, alpha):
    """Float RGB in [0,1] and alpha in [0,1] composited on white."""
    return rgb * alpha[..., None] + (1 - alpha[..., None])


def pillow_rgba_float(path):
    im = Image.open(path)
    im.load()
    return np.asarray(im.convert("RGBA"), dtype=np.float64) / 255


def add_decode(name, file, expected, color_type, bit_depth, alpha, interlaced, orientation=1, tolerance=1e-5,
               fmt="png"):
    h, w = expected.shape[:2]
    manifest["decode"].append({
        "name": name, "file": file, "reference": save_reference(name, expected), "width": w, "height": h,
        "format": fmt, "colorType": color_type, "bitDepth": bit_depth, "hasAlpha": alpha,
        "interlaced": interlaced, "orientation": orientation, "tolerance": tolerance,
    })


def png_cases():
    base = photo(W, H, 1)
    lum = np.rint(base @ [0.299, 0.587, 0.114]).astype(np.int64)
    alpha8 = np.clip(np.rint(np.linspace(0, 255, W))[None, :].repeat(H, 0) + rng.integers(-20, 20, (H, W)), 0, 255)
    alpha8 = alpha8.astype(np.int64)
    y, x = np.mgrid[0:H, 0:W]
    cases = []

    for bd in (1, 2, 4, 8):
        g = (lum >> (8 - bd))[..., None]
        cases.append((f"gray{bd}", g, 0, bd, {}, np.repeat(g / (2**bd - 1), 3, 2), None))
    g16 = (lum * 257 + rng.integers(-200, 200, lum.shape)).clip(0, 65535)[..., None]
    cases.append(("gray16", g16, 0, 16, {}, np.repeat(g16 / 65535, 3, 2), None))
    # gray with a tRNS key colour: pixels of that value become transparent, i.e. white.
    key = int(lum[5, 5])
    gt = lum[..., None]
    exp = np.repeat(gt / 255, 3, 2)
    exp[lum == key] = 1.0
    cases.append(("gray8_trns", gt, 0, 8, {"trns": struct.pack(">H", key)}, exp, None))
    ga = np.stack([lum, alpha8], -1)
    cases.append(("graya8", ga, 4, 8, {}, composite(np.repeat(lum[..., None] / 255, 3, 2), alpha8 / 255), None))
    ga16 = np.stack([g16[..., 0], alpha8 * 257 + 100 * (alpha8 < 250)], -1)
    cases.append(("graya16", ga16, 4, 16, {},
                  composite(np.repeat(ga16[..., :1] / 65535, 3, 2), ga16[..., 1] / 65535), None))
    cases.append(("rgb8", base.astype(np.int64), 2, 8, {}, base / 255, None))
    rgb16 = (base.astype(np.int64) * 257 + rng.integers(-150, 150, base.shape)).clip(0, 65535)
    cases.append(("rgb16", rgb16, 2, 16, {}, rgb16 / 65535, None))
    kc = base[3, 7].astype(np.int64)
    exp = base / 255
    exp[(base == kc).all(-1)] = 1.0
    cases.append(("rgb8_trns", base.astype(np.int64), 2, 8, {"trns": struct.pack(">HHH", *kc)}, exp, None))
    rgba = np.concatenate([base, alpha8[..., None]], -1).astype(np.int64)
    cases.append(("rgba8", rgba, 6, 8, {}, composite(base / 255, alpha8 / 255), None))
    rgba16 = np.concatenate([rgb16, (alpha8 * 257)[..., None]], -1)
    cases.append(("rgba16", rgba16, 6, 16, {}, composite(rgb16 / 65535, alpha8 * 257 / 65535), None))
    for bd in (1, 2, 4, 8):
        n = 2**bd
        pal = rng.integers(0, 256, (n, 3))
        idx = ((x * 3 + y * 5 + (lum >> 4)) % n)[..., None]
        cases.append((f"palette{bd}", idx, 3, bd, {"palette": pal}, pal[idx[..., 0]] / 255, None))
    pal = rng.integers(0, 256, (16, 3))
    palpha = rng.integers(0, 256, 12)  # fewer entries than the palette: the rest are opaque
    idx = ((x + 2 * y) % 16)[..., None]
    fullalpha = np.concatenate([palpha, np.full(4, 255)])
    cases.append(("palette8_trns", idx, 3, 8, {"palette": pal, "trns": bytes(palpha.astype(np.uint8))},
                  composite(pal[idx[..., 0]] / 255, fullalpha[idx[..., 0]] / 255), None))
    # Adam7
    for name, src in (("rgb8", "rgb8"), ("rgba8", "rgba8"), ("gray16", "gray16"), ("palette4", "palette4")):
        c = next(c for c in cases if c[0] == src)
        cases.append((name + "_adam7", c[1], c[2], c[3], dict(c[4], interlace=True), c[5], None))
    return cases


def build_pngs():
    for name, samples, ct, bd, extra, expected, _ in png_cases():
        path = out("png", name + ".png")
        write_png(path, samples, ct, bd, **extra)
        has_alpha = ct in (4, 6) or "trns" in extra
        # Cross-check the writer with Pillow wherever Pillow decodes faithfully (it truncates 16-bit RGB and
        # clips 16-bit gray when converting to RGB, so those are checked on the raw samples instead).
        if bd <= 8:
            got = pillow_rgba_float(path)
            pil = composite(got[..., :3], got[..., 3])
            assert np.abs(pil - expected).max() < 1e-9, name
        elif ct == 0 and not extra.get("interlace"):
            assert (np.asarray(Image.open(path)).astype(np.int64) == samples[..., 0]).all(), name
        elif ct == 4:
            assert (np.asarray(Image.open(path).convert("LA"))[..., 0] == (samples[..., 0] >> 8)).all(), name
        elif ct in (2, 6):
            assert (np.asarray(Image.open(path).convert("RGB")).astype(np.int64) == (samples[..., :3] >> 8)).all(), name
        colour = {0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"}[ct]
        add_decode(name, "png/" + name + ".png", expected, colour, bd, has_alpha, bool(extra.get("interlace")))

    # Files from Pillow's own encoder (adaptive filters, several IDATs for the bigger one).
    base = photo(W, H, 2)
    for mode in ("RGB", "P", "LA"):
        im = Image.fromarray(base).convert(mode)
        name = "pillow_" + mode.lower()
        im.save(out("png", name + ".png"), optimize=True)
        got = pillow_rgba_float(out("png", name + ".png"))
        colour = {"RGB": "RGB", "P": "palette", "LA": "gray+alpha"}[mode]
        add_decode(name, "png/" + name + ".png", composite(got[..., :3], got[..., 3]), colour, 8, mode == "LA", False)
    # A PNG with an eXIf orientation: Pillow's exif_transpose honours it, and so must we.
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(base).save(out("png", "exif6.png"), exif=exif.tobytes())
    up = ImageOps.exif_transpose(Image.open(out("png", "exif6.png"))).convert("RGB")
    assert up.size == (H, W)
    add_decode("png_exif6", "png/exif6.png", np.asarray(up) / 255, "RGB", 8, False, False, orientation=6)


def exif_big_endian(orientation):
    """EXIF APP1 payload with a Motorola-order TIFF header and a few entries before Orientation."""
    entries = [(0x010F, 2, 4, b"abc\x00"), (0x0110, 2, 4, b"xyz\x00"), (0x0112, 3, 1, struct.pack(">HH", orientation, 0))]
    ifd = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack(">HHI", tag, typ, count) + value
    ifd += struct.pack(">I", 0)
    return b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd


def build_jpegs():
    base = photo(48, 32, 3)
    im = Image.fromarray(base)
    kinds = {
        "baseline420": dict(quality=90),
        "baseline444": dict(quality=90, subsampling=0),
        "progressive": dict(quality=85, progressive=True),
        "restart": dict(quality=80, restart_marker_blocks=2),
    }
    for name, opts in kinds.items():
        im.save(out("jpeg", name + ".jpg"), **opts)
    im.convert("L").save(out("jpeg", "gray.jpg"), quality=90)
    for name, colour in (("baseline420", "YCbCr"), ("baseline444", "YCbCr"), ("progressive", "YCbCr"),
                         ("restart", "YCbCr"), ("gray", "gray")):
        dec = np.asarray(Image.open(out("jpeg", name + ".jpg")).convert("RGB")) / 255
        add_decode("jpeg_" + name, "jpeg/" + name + ".jpg", dec, colour, 8, False, name == "progressive",
                   tolerance=1 / 255 + 1e-6, fmt="jpeg")
    # Every orientation, little-endian EXIF written by Pillow.
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        path = out("jpeg", f"orientation{o}.jpg")
        Image.fromarray(photo(24, 16, 4)).save(path, quality=92, exif=exif.tobytes())
        up = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")) / 255
        add_decode(f"jpeg_orientation{o}", f"jpeg/orientation{o}.jpg", up, "YCbCr", 8, False, False,
                   orientation=o, tolerance=1 / 255 + 1e-6, fmt="jpeg")
    # Big-endian EXIF, inserted by hand after SOI.
    buf = io.BytesIO()
    Image.fromarray(photo(24, 16, 4)).save(buf, "JPEG", quality=92)
    payload = exif_big_endian(8)
    data = buf.getvalue()
    data = data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]
    with open(out("jpeg", "exif_motorola8.jpg"), "wb") as f:
        f.write(data)
    up = np.asarray(ImageOps.exif_transpose(Image.open(out("jpeg", "exif_motorola8.jpg"))).convert("RGB")) / 255
    assert up.shape[:2] == (24, 16)
    add_decode("jpeg_exif_motorola8", "jpeg/exif_motorola8.jpg", up, "YCbCr", 8, False, False, orientation=8,
               tolerance=1 / 255 + 1e-6, fmt="jpeg")


def build_bad():
    good_png = open(out("png", "rgb8.png"), "rb").read()
    good_jpg = open(out("jpeg", "baseline420.jpg"), "rb").read()
    bad = {}
    bad["truncated.png"] = (good_png[: len(good_png) // 2], "truncated")
    # Damage the stored CRC of the IDAT chunk (data intact), and separately the compressed data itself.
    i = good_png.index(b"IDAT")
    length = struct.unpack(">I", good_png[i - 4 : i])[0]
    c = i + 4 + length
    bad["badcrc.png"] = (good_png[:c] + bytes([good_png[c] ^ 0x5A]) + good_png[c + 1 :], "corrupt")
    j = i + 4 + length // 2
    bad["baddata.png"] = (good_png[:j] + bytes([good_png[j] ^ 0x5A]) + good_png[j + 1 :], "corrupt")
    bad["empty.png"] = (b"", "empty")
    bad["notes.png"] = (b"hello, these are my notes\nnot an image\n", "notAnImage")
    # Valid header and CRC declaring 20000 x 20000 (400 MP) with almost no data: refused before allocation.
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    bad["bomb.png"] = (bomb, "tooLarge")
    header = struct.pack(">IIBBBBB", 1_000_000, 10, 8, 2, 0, 0, 0)
    bad["wide.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""), "tooLarge")
    bad["truncated.jpg"] = (good_jpg[: len(good_jpg) * 2 // 3], "truncated")
    sof = good_jpg.index(b"\xff\xc0")
    patched = bytearray(good_jpg)
    patched[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    bad["bomb.jpg"] = (bytes(patched), "tooLarge")
    buf = io.BytesIO()
    Image.fromarray(photo(16, 16, 6)).convert("CMYK").save(buf, "JPEG", quality=90)
    bad["cmyk.jpg"] = (buf.getvalue(), "unsupported")
    bad["headeronly.jpg"] = (good_jpg[:sof], "truncated")
    for name, (data, kind) in bad.items():
        with open(out("bad", name), "wb") as f:
            f.write(data)
        manifest["bad"].append({"file": "bad/" + name, "kind": kind})


def build_resize():
    src = photo(61, 47, 7)
    Image.fromarray(src).save(out("resize", "source.png"))
    filters = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS, "box": Image.BOX,
               "hamming": Image.HAMMING}
    sizes = [(23, 17), (30, 47), (75, 53), (8, 5)]
    for fname, f in filters.items():
        for w, h in sizes:
            r = Image.fromarray(src).resize((w, h), f)
            name = f"{fname}_{w}x{h}"
            np.asarray(r).tofile(out("resize", name + ".rgb"))
            manifest["resize"].append({"filter": fname, "width": w, "height": h, "file": f"resize/{name}.rgb"})
    # The diffusers DreamBooth transform: Resize(short side, BILINEAR, antialias) then CenterCrop.
    from torchvision import transforms
    for size in (32, 40):
        t = transforms.Compose([transforms.Resize(size, interpolation=transforms.InterpolationMode.BILINEAR),
                                transforms.CenterCrop(size)])
        r = t(Image.fromarray(src))
        name = f"train_center_{size}"
        np.asarray(r).tofile(out("resize", name + ".rgb"))
        manifest["training"].append({"size": size, "file": f"resize/{name}.rgb"})


if __name__ == "__main__":
    build_pngs()
    build_jpegs()
    build_bad()
    build_resize()
    with open(out("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(ROOT) for n in ns)
    print(f"wrote {sum(len(v) for v in manifest.values())} fixtures, {total} bytes, to {os.path.normpath(ROOT)}")
