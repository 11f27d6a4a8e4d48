namespace TransferKit.Tests.Data;

/// <summary>The Python side of the image parity tests: Pillow's pixels, as SHA-256 of uint8 HWC arrays.</summary>
internal static class PillowReference
{
    /// <summary>
    /// argv: a folder to scan for *.jpg/*.jpeg (recursively), and a folder in which to generate
    /// extra JPEG and PNG variants. Prints one line per (file, mode): path, mode, H, W, C, sha256.
    /// "unchanged" = gray (JPEG L, PNG colour types 0 and 4) stays 1 channel, 16-bit gray keeps its
    /// high byte (Pillow reads it as mode I), "rgb" = convert("RGB").
    /// </summary>
    public const string Script = """
import hashlib, os, struct, sys, zlib
import numpy as np
from PIL import Image

scan_root, gen = sys.argv[1], sys.argv[2]

def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

def pack_row(row, depth):
    if depth == 16:
        return row.astype('>u2').tobytes()
    if depth == 8:
        return row.astype('u1').tobytes()
    per = 8 // depth
    row = np.concatenate([row.astype(np.int64), np.zeros((-len(row)) % per, np.int64)]).reshape(-1, per)
    shifts = np.array([8 - depth * (k + 1) for k in range(per)])
    return (row << shifts).sum(axis=1).astype('u1').tobytes()

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write_png(path, arr, depth, color_type, interlace=False):
    h, w = arr.shape[:2]
    arr = arr.reshape(h, w, -1)
    def rows(a):
        return b''.join(b'\x00' + pack_row(r.reshape(-1), depth) for r in a)
    if interlace:
        raw = b''.join(rows(arr[y0::dy, x0::dx]) for x0, y0, dx, dy in ADAM7 if arr[y0::dy, x0::dx].size)
    else:
        raw = rows(arr)
    ihdr = struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b''))

rng = np.random.default_rng(7)
src = Image.open(os.path.join(scan_root, 'train', 'ants', '0013035.jpg')).convert('RGB')
crop = src.crop((10, 20, 10 + 101, 20 + 77))  # odd sizes exercise edge blocks and chroma upsampling
os.makedirs(gen, exist_ok=True)
src.convert('L').save(os.path.join(gen, 'gray.jpg'), quality=90)
src.convert('CMYK').save(os.path.join(gen, 'cmyk.jpg'), quality=90)
crop.save(os.path.join(gen, 'odd-420.jpg'), quality=85, subsampling=2)
crop.save(os.path.join(gen, 'odd-422.jpg'), quality=85, subsampling=1)
crop.save(os.path.join(gen, 'odd-444-progressive.jpg'), quality=95, subsampling=0, progressive=True)
crop.save(os.path.join(gen, 'odd-420-optimized.jpg'), quality=60, subsampling=2, optimize=True)
crop.save(os.path.join(gen, 'rgb.png'))
crop.convert('L').save(os.path.join(gen, 'gray.png'))
crop.convert('LA').save(os.path.join(gen, 'gray-alpha.png'))
rgba = crop.convert('RGBA'); rgba.putalpha(Image.fromarray(rng.integers(0, 256, (77, 101), dtype=np.uint8)))
rgba.save(os.path.join(gen, 'rgba.png'))
pal = crop.convert('P', palette=Image.ADAPTIVE, colors=200)
pal.save(os.path.join(gen, 'palette.png'))
pal.save(os.path.join(gen, 'palette-trns.png'), transparency=3)
crop.convert('1').save(os.path.join(gen, 'bilevel.png'))
g = rng.integers(0, 4, (33, 29)); write_png(os.path.join(gen, 'gray2.png'), g, 2, 0)
g = rng.integers(0, 16, (33, 29)); write_png(os.path.join(gen, 'gray4.png'), g, 4, 0)
g = rng.integers(0, 65536, (33, 29)); write_png(os.path.join(gen, 'gray16.png'), g, 16, 0)
g = rng.integers(0, 65536, (33, 29, 3)); write_png(os.path.join(gen, 'rgb16.png'), g, 16, 2)
g = rng.integers(0, 65536, (33, 29, 4)); write_png(os.path.join(gen, 'rgba16.png'), g, 16, 6)
g = rng.integers(0, 256, (37, 23, 3)); write_png(os.path.join(gen, 'rgb-interlaced.png'), g, 8, 2, interlace=True)
g = rng.integers(0, 2, (19, 13)); write_png(os.path.join(gen, 'bilevel-interlaced.png'), g, 1, 0, interlace=True)
g = rng.integers(0, 65536, (37, 23, 2)); write_png(os.path.join(gen, 'gray-alpha16-interlaced.png'), g, 16, 4, interlace=True)

def is_gray(path, im):
    if im.format == 'PNG':
        with open(path, 'rb') as f:
            return f.read(26)[25] in (0, 4)  # IHDR colour type: gray, gray+alpha
    return im.mode in ('1', 'L', 'LA')

def expected(path, im, mode):
    if im.mode in ('I', 'I;16', 'I;16B'):
        a = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)[..., None]
    else:
        a = np.asarray(im.convert('RGB'))
        if is_gray(path, im):
            a = a[..., :1]
    return np.repeat(a, 3, axis=2) if mode == 'rgb' and a.shape[2] == 1 else a

def emit(path, modes):
    with Image.open(path) as im:
        im.load()
        for mode in modes:
            a = np.ascontiguousarray(expected(path, im, mode))
            print(path, mode, *a.shape, hashlib.sha256(a.tobytes()).hexdigest(), sep='\t')

for root, _, files in sorted(os.walk(scan_root)):
    for f in sorted(files):
        if f.lower().endswith(('.jpg', '.jpeg')):
            emit(os.path.join(root, f), ['unchanged'])
for f in sorted(os.listdir(gen)):
    emit(os.path.join(gen, f), ['unchanged', 'rgb'])
""";

    public sealed record Entry(string Path, string Mode, long[] Shape, string Sha256);

    public static List<Entry> Run(string scanRoot, string generateInto)
    {
        string output = TestEnvironment.RunPython(Script, scanRoot, generateInto);
        var entries = new List<Entry>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            entries.Add(new Entry(f[0], f[1], new[] { long.Parse(f[2]), long.Parse(f[3]), long.Parse(f[4]) }, f[5]));
        }
        return entries;
    }
}
