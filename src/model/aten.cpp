// The two libtorch calls aerepro needs that tch does not bind, compiled by build.rs against the
// same libtorch headers and flags as tch:
// - LeakyReLU with any slope as libtorch's one fused kernel (forward and backward), with autograd.
//   tch's generated binding fixes the slope at PyTorch's default 0.01, and every composition of
//   bound operations that gives slope 0.2 costs 4-20x the kernel (README, "Performance").
// - `Tensor::contiguous(MemoryFormat::ChannelsLast)`: tch 0.24 has no memory-format API.
//
// `self` is a tch tensor handle (a `torch::Tensor*`, as in tch's libtch). Each function returns a
// new handle owned by the caller, or null with the exception's message in `error`
// (NUL-terminated).
#include <ATen/ATen.h>

#include <cstring>
#include <exception>

namespace {
template <typename F>
at::Tensor *guarded(char *error, size_t error_len, F op) {
  try {
    return new at::Tensor(op());
  } catch (const std::exception &e) {
    if (error_len > 0) {
      std::strncpy(error, e.what(), error_len - 1);
      error[error_len - 1] = '\0';
    }
    return nullptr;
  }
}
}  // namespace

extern "C" at::Tensor *aerepro_leaky_relu(const at::Tensor *self, double negative_slope,
                                          char *error, size_t error_len) {
  return guarded(error, error_len, [&] { return at::leaky_relu(*self, negative_slope); });
}

extern "C" at::Tensor *aerepro_channels_last(const at::Tensor *self, char *error,
                                             size_t error_len) {
  return guarded(error, error_len,
                 [&] { return self->contiguous(at::MemoryFormat::ChannelsLast); });
}

// Flush-to-zero / denormals-are-zero (MXCSR | 0x8040 on x86) through libtorch's own switch. MXCSR is
// per thread: `aerepro_set_flush_denormal` sets it on the calling thread only, and a thread
// created later (pthread_create copies the creator's floating-point state) inherits it.
// `aerepro_set_flush_denormal_everywhere` also sets it on every thread of libtorch's intra-op pool
// that exists now, from inside an `at::parallel_for` with one item per pool thread. Both return
// what libtorch returns: whether the CPU supports it (false on non-x86 or without SSE3).
#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <atomic>

extern "C" bool aerepro_set_flush_denormal(bool on) {
  return at::globalContext().setFlushDenormal(on);
}

extern "C" bool aerepro_set_flush_denormal_everywhere(bool on) {
  bool supported = at::globalContext().setFlushDenormal(on);
  int64_t threads = at::get_num_threads();
  if (threads > 1) {
    std::atomic<bool> all{true};
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        if (!at::globalContext().setFlushDenormal(on)) all = false;
      }
    });
    supported = supported && all;
  }
  return supported;
}
