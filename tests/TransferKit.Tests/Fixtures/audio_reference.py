"""Reference outputs of torchaudio 0.13 (TransferKit's Audio parity tests).

Usage: audio_reference.py <out> <spoken-digits folder>

Writes WAV files in every encoding TransferKit reads (built here byte by byte) with what
torchaudio.load(normalize=True) makes of them, and runs torchaudio's resample and feature
transforms on a real 8 kHz spoken digit and on a seeded synthetic stereo signal. Raw little-endian
float32 tensors plus <out>/manifest.json:
  wavs:   name -> {wav, sample_rate, file, shape}          (the decoded [channels, frames])
  inputs: name -> {file, shape, sample_rate}
  cases:  name -> {op, input, params, file, shape}
"""
import json
import math
import os
import struct
import sys

import torch
import torchaudio
import torchaudio.functional as AF
import torchaudio.transforms as AT

out, digits = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
torch.manual_seed(0)
manifest = {"torch": torch.__version__, "torchaudio": torchaudio.__version__, "wavs": {}, "inputs": {}, "cases": {}}


def save(name, t):
    t = t.detach().to(torch.float32).contiguous()
    path = f"{name}.bin"
    with open(os.path.join(out, path), "wb") as f:
        f.write(t.numpy().tobytes())
    return {"file": path, "shape": list(t.shape)}


# ---- WAV files -------------------------------------------------------------------------------
def wav_bytes(fmt_tag, channels, rate, bits, payload, extensible=False, valid_bits=None, extra_chunks=b""):
    block = channels * bits // 8
    if extensible:
        sub = struct.pack("<H", fmt_tag) + bytes.fromhex("000000001000800000AA00389B71")
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22,
                          valid_bits or bits, (1 << channels) - 1) + sub
    else:
        fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    chunks += b"data" + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


gen = torch.Generator().manual_seed(1)


def ints(n, lo, hi):
    v = torch.randint(lo, hi, (n,), generator=gen).tolist()
    v[:4] = [lo, hi - 1, 0, -1 if lo < 0 else 1]  # the extremes are in every file
    return v


def make_wav(name, fmt_tag, channels, rate, bits, frames, extensible=False, extra=b""):
    n = channels * frames
    if fmt_tag == 3:
        vals = (torch.rand(n, generator=gen) * 2.2 - 1.1).tolist()
        payload = struct.pack(f"<{n}{'f' if bits == 32 else 'd'}", *vals)
    elif bits == 8:
        payload = bytes(ints(n, 0, 256))
    elif bits == 16:
        payload = struct.pack(f"<{n}h", *ints(n, -32768, 32768))
    elif bits == 24:
        payload = b"".join(struct.pack("<i", v)[:3] for v in ints(n, -(1 << 23), 1 << 23))
    else:
        payload = struct.pack(f"<{n}i", *ints(n, -(1 << 31), 1 << 31))
    data = wav_bytes(fmt_tag, channels, rate, bits, payload, extensible, extra_chunks=extra)
    wav = f"{name}.wav"
    with open(os.path.join(out, wav), "wb") as f:
        f.write(data)
    decoded, sr = torchaudio.load(os.path.join(out, wav), normalize=True)  # sox clamps floats to [-1, 1]
    assert sr == rate and list(decoded.shape) == [channels, frames], (name, sr, decoded.shape)
    info = save("wav_" + name, decoded)
    info.update({"wav": wav, "sample_rate": rate})
    manifest["wavs"][name] = info


list_chunk = b"LIST" + struct.pack("<I", 9) + b"INFOabcde" + b"\0"  # odd-sized chunk with its pad byte
make_wav("pcm_u8_mono_8000", 1, 1, 8000, 8, 501)
make_wav("pcm_s16_mono_16000", 1, 1, 16000, 16, 777, extra=list_chunk)
make_wav("pcm_s16_stereo_44100", 1, 2, 44100, 16, 640)
make_wav("pcm_s24_stereo_48000", 1, 2, 48000, 24, 333)
make_wav("pcm_s32_mono_22050", 1, 1, 22050, 32, 400)
make_wav("float32_stereo_16000", 3, 2, 16000, 32, 300)
make_wav("float64_mono_8000", 3, 1, 8000, 64, 120)
make_wav("ext_pcm_s16_6ch_48000", 1, 6, 48000, 16, 128, extensible=True)
make_wav("ext_pcm_s24_mono_96000", 1, 1, 96000, 24, 250, extensible=True)
make_wav("ext_float32_3ch_11025", 3, 3, 11025, 32, 210, extensible=True)

# ---- signals ---------------------------------------------------------------------------------
DIGIT = "7_jackson_12.wav"
digit, digit_sr = torchaudio.load(os.path.join(digits, DIGIT))
manifest["digit_file"] = DIGIT
assert digit_sr == 8000 and digit.shape[0] == 1, (digit_sr, digit.shape)
inputs = {"digit8k": (digit, 8000)}
n = 12345
t = torch.arange(n, dtype=torch.float64) / 16000
chirp = torch.sin(2 * math.pi * (200 * t + 3000 * t * t))
noise = torch.randn(2, n, generator=gen, dtype=torch.float64) * 0.05
stereo = torch.stack([0.6 * chirp, 0.3 * torch.sin(2 * math.pi * 440 * t)]) + noise
inputs["stereo16k"] = (stereo.float(), 16000)
for name, (x, sr) in inputs.items():
    info = save("in_" + name, x)
    info["sample_rate"] = sr
    manifest["inputs"][name] = info


def case(name, op, input_name, result, **params):
    info = save("out_" + name, result)
    info.update({"op": op, "input": input_name, "params": params})
    manifest["cases"][name] = info


# ---- resampling (functional.resample: filters in the waveform's dtype) ------------------------
def resample(name, input_name, orig, new, width=6, rolloff=0.99, method="sinc_interpolation", beta=None, float64=False):
    x = inputs[input_name][0]
    if float64:
        x = x.double()  # the filters are then computed in float64 too; the output is stored as float32
    y = AF.resample(x, orig, new, lowpass_filter_width=width, rolloff=rolloff, resampling_method=method, beta=beta)
    case(name, "resample", input_name, y, orig=orig, new=new, lowpass_filter_width=width, rolloff=rolloff,
         method="kaiser" if method == "kaiser_window" else "hann", beta=beta, float64=float64)


resample("resample_8k_16k", "digit8k", 8000, 16000)
resample("resample_8k_22050", "digit8k", 8000, 22050)
resample("resample_16k_8k", "stereo16k", 16000, 8000)
resample("resample_16k_44100_kaiser", "stereo16k", 16000, 44100, width=16, rolloff=0.85, method="kaiser_window", beta=8.555)
resample("resample_16k_11025_kaiser_default_beta", "stereo16k", 16000, 11025, method="kaiser_window")
resample("resample_8k_12k_narrow", "digit8k", 8000, 12000, width=3, rolloff=0.9)
resample("resample_16k_8k_float64_kaiser", "stereo16k", 16000, 8000, method="kaiser_window", float64=True)
resample("resample_8k_16k_float64", "digit8k", 8000, 16000, float64=True)


# speed perturbation as torchaudio 2.x's functional.speed computes it (0.13 has no speed()): the clip is
# taken to be at int(rate * factor) Hz and resampled to the rate (gcd-reduced by resample itself)
def speed(name, input_name, factor):
    x, sr = inputs[input_name]
    y = AF.resample(x, int(factor * sr), sr)
    case(name, "speed", input_name, y, factor=factor, sample_rate=sr)


speed("speed_0_9_16k", "stereo16k", 0.9)
speed("speed_1_1_16k", "stereo16k", 1.1)


# ---- features ---------------------------------------------------------------------------------
def spec_params(n_fft=400, win_length=None, hop_length=None, pad=0, power=2.0, normalized=False, center=True,
                pad_mode="reflect", window="hann"):
    return dict(n_fft=n_fft, win_length=win_length, hop_length=hop_length, pad=pad, power=power,
                normalized=normalized, center=center, pad_mode=pad_mode, window=window)


WINDOWS = {"hann": torch.hann_window, "hamming": torch.hamming_window}


def spec_kwargs(p):
    kw = dict(p)
    kw["window_fn"] = WINDOWS[kw.pop("window")]
    return kw


def spectrogram(name, input_name, **kw):
    p = spec_params(**kw)
    case(name, "spectrogram", input_name, AT.Spectrogram(**spec_kwargs(p))(inputs[input_name][0]), spec=p)


spectrogram("spec_default", "stereo16k")
spectrogram("spec_512_win400_hop160_hamming_magnitude", "stereo16k", n_fft=512, win_length=400, hop_length=160,
            power=1.0, window="hamming")
spectrogram("spec_window_normalized_power_1_5", "digit8k", n_fft=256, hop_length=64, normalized=True, power=1.5)
spectrogram("spec_frame_length_normalized", "digit8k", n_fft=200, normalized="frame_length")
spectrogram("spec_not_centered_pad", "digit8k", n_fft=256, hop_length=100, center=False, pad=30)
spectrogram("spec_constant_pad_mode", "stereo16k", n_fft=320, pad_mode="constant")
spectrogram("spec_replicate_pad_mode", "digit8k", n_fft=256, pad_mode="replicate")


def mel_params(sample_rate=16000, n_mels=128, f_min=0.0, f_max=None, norm=None, mel_scale="htk"):
    return dict(sample_rate=sample_rate, n_mels=n_mels, f_min=f_min, f_max=f_max, norm=norm, mel_scale=mel_scale)


def melspec(name, input_name, mel=None, spec=None):
    m, s = mel_params(**(mel or {})), spec_params(**(spec or {}))
    t = AT.MelSpectrogram(**m, **spec_kwargs(s))
    case(name, "melspectrogram", input_name, t(inputs[input_name][0]), mel=m, spec=s)


melspec("mel_default", "stereo16k")
melspec("mel_8k_40_slaney_slaney", "digit8k", mel=dict(sample_rate=8000, n_mels=40, norm="slaney", mel_scale="slaney"),
        spec=dict(n_fft=256, hop_length=80))
melspec("mel_fmin_fmax_magnitude", "stereo16k", mel=dict(n_mels=64, f_min=50.0, f_max=7000.0),
        spec=dict(n_fft=512, win_length=400, hop_length=160, power=1.0))
melspec("mel_8k_64_htk_slaney_norm", "digit8k", mel=dict(sample_rate=8000, n_mels=64, norm="slaney"),
        spec=dict(n_fft=256, hop_length=128))

fb = AF.melscale_fbanks(201, 0.0, 8000.0, 128, 16000)
case("fbanks_default", "fbanks", None, fb, n_freqs=201, mel=mel_params())
fb = AF.melscale_fbanks(129, 20.0, 3800.0, 40, 8000, norm="slaney", mel_scale="slaney")
case("fbanks_slaney", "fbanks", None, fb, n_freqs=129,
     mel=mel_params(sample_rate=8000, n_mels=40, f_min=20.0, f_max=3800.0, norm="slaney", mel_scale="slaney"))

# AmplitudeToDB on mel spectrograms of both inputs; [2, 1, F, T] batch for the per-item top_db
mel16 = AT.MelSpectrogram()(inputs["stereo16k"][0])
mel8 = AT.MelSpectrogram(sample_rate=8000, n_fft=256, n_mels=40)(inputs["digit8k"][0])
manifest["inputs"]["mel_stereo16k"] = save("in_mel_stereo16k", mel16)
manifest["inputs"]["mel_batch"] = save("in_mel_batch", mel16.unsqueeze(1))
manifest["inputs"]["mel_digit8k"] = save("in_mel_digit8k", mel8)
case("db_power", "amplitude_to_db", "mel_stereo16k", AT.AmplitudeToDB("power")(mel16), stype="power", top_db=None)
case("db_power_top80_channels_together", "amplitude_to_db", "mel_stereo16k", AT.AmplitudeToDB("power", 80)(mel16),
     stype="power", top_db=80.0)
case("db_power_top40_batch", "amplitude_to_db", "mel_batch", AT.AmplitudeToDB("power", 40)(mel16.unsqueeze(1)),
     stype="power", top_db=40.0)
case("db_magnitude_top60", "amplitude_to_db", "mel_digit8k", AT.AmplitudeToDB("magnitude", 60)(mel8.sqrt()),
     stype="magnitude", top_db=60.0, sqrt_input=True)


def mfcc(name, input_name, n_mfcc=40, norm="ortho", log_mels=False, mel=None, spec=None):
    m, s = mel_params(**(mel or {})), spec_params(**(spec or {}))
    melkwargs = dict(m)
    melkwargs.pop("sample_rate")
    melkwargs.update(spec_kwargs(s))
    t = AT.MFCC(sample_rate=m["sample_rate"], n_mfcc=n_mfcc, norm=norm, log_mels=log_mels, melkwargs=melkwargs)
    case(name, "mfcc", input_name, t(inputs[input_name][0]), n_mfcc=n_mfcc, norm=norm, log_mels=log_mels, mel=m, spec=s)


mfcc("mfcc_default", "stereo16k")
mfcc("mfcc_8k_13_of_40", "digit8k", n_mfcc=13, mel=dict(sample_rate=8000, n_mels=40), spec=dict(n_fft=256, hop_length=80))
mfcc("mfcc_log_mels_no_norm", "digit8k", n_mfcc=20, norm=None, log_mels=True,
     mel=dict(sample_rate=8000, n_mels=32, mel_scale="slaney", norm="slaney"), spec=dict(n_fft=200, hop_length=100))

# the loader's log-mel pipeline on the digit: resample to 16 kHz, 64 mels (hop 160), dB with top_db 80
pipe = AT.AmplitudeToDB("power", 80)(AT.MelSpectrogram(n_mels=64, hop_length=160)(AF.resample(digit, 8000, 16000)))
case("pipeline_digit_logmel", "pipeline", "digit8k", pipe.unsqueeze(0))

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
