// Short-time Fourier transform for the audio features (TransferKit.Audio.Spectrogram): libtorch's
// FFT-based at::stft, which is what torchaudio's transforms.Spectrogram calls, instead of a DFT as a
// strided convolution (O(n_fft) per bin rather than O(log n_fft)). Plain ATen calls only, so the shim
// builds against libtorch 1.13 and 2.x alike: the non-centring at::stft overload exists in both.
#include "tk_common.h"

// |STFT| of signals x [n, time] (already padded by the caller, which implements torchaudio's centring
// and pad modes): frames of n_fft samples every hop samples, multiplied by window [n_fft] (a shorter
// analysis window is passed zero-padded to n_fft and centred), one-sided. Returns the magnitude, real
// [n, n_fft / 2 + 1, frames] in x's dtype; nullptr on failure (message in tk_last_error).
TK_EXPORT tk_tensor tk_stft_magnitude(tk_tensor x, int64_t n_fft, int64_t hop, tk_tensor window) {
  TK_TRY
  at::Tensor spec = at::stft(*x, n_fft, hop, n_fft, *window, /*normalized=*/false, /*onesided=*/true,
                             /*return_complex=*/true);
  return tk::wrap(spec.abs());
  TK_CATCH(nullptr)
}
