import json, struct, gzip, os, sys
out = sys.argv[1]
def st(tensors, meta=True):
    h = {}
    if meta: h["__metadata__"] = {"format": "pt"}
    data = b""
    for name, dtype, shape, payload in tensors:
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    hb = json.dumps(h, separators=(",", ":")).encode()
    hb += b" " * (-len(hb) % 8)
    return struct.pack("<Q", len(hb)) + hb + data
def f32(n, k=0.1): return b"".join(struct.pack("<f", k * (i - n / 2)) for i in range(n))
def f64(n, k=0.1): return b"".join(struct.pack("<d", k * (i - n / 2)) for i in range(n))
os.makedirs(f"{out}/safetensors_load", exist_ok=True)
os.makedirs(f"{out}/idx_gzip", exist_ok=True)
os.makedirs(f"{out}/quantized_file", exist_ok=True)
net = lambda f, d: [("fc1.bias", d, [3], f(3)), ("fc1.weight", d, [3, 4], f(12)), ("out.bias", d, [2], f(2)), ("out.weight", d, [2, 3], f(6))]
open(f"{out}/safetensors_load/net_f32.safetensors", "wb").write(st(net(f32, "F32")))
open(f"{out}/safetensors_load/net_f64.safetensors", "wb").write(st(net(f64, "F64"), meta=False))
def idx(magic, dims, payload): return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload
img = idx(0x803, [2, 3, 3], bytes(range(18)))
lab = idx(0x801, [2], bytes([7, 2]))
open(f"{out}/idx_gzip/images.idx", "wb").write(img)
open(f"{out}/idx_gzip/labels.idx", "wb").write(lab)
open(f"{out}/idx_gzip/images.idx.gz", "wb").write(gzip.compress(img, mtime=0))
open(f"{out}/idx_gzip/labels.idx.gz", "wb").write(gzip.compress(lab, mtime=0))
i8 = lambda n: bytes((i * 37) % 256 for i in range(n))
q = [("fc1.bias", "F32", [3], f32(3)), ("fc1.input_scale", "F32", [1], struct.pack("<f", 0.02)),
     ("fc1.weight", "I8", [3, 4], i8(12)), ("fc1.weight_scale", "F32", [3], struct.pack("<3f", 0.01, 0.02, 0.03)),
     ("conv1.input_scale", "F32", [1], struct.pack("<f", 0.05)), ("conv1.weight", "I8", [2, 1, 2, 2], i8(8)),
     ("conv1.weight_scale", "F32", [2], struct.pack("<2f", 0.01, 0.04))]
# The writer puts wider dtypes first; any contiguous order is valid.
q.sort(key=lambda t: (t[1] != "F32", t[0]))
open(f"{out}/quantized_file/dense_conv.safetensors", "wb").write(st(q, meta=False))
