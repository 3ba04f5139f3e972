// LeakyReLU with any slope as libtorch's one fused kernel (forward and backward), with autograd.
// tch's generated binding fixes the slope at PyTorch's default 0.01, and every composition of
// bound operations that gives slope 0.2 costs 4-20x the kernel (README, "Performance").
#include <ATen/ATen.h>

#include <cstring>
#include <exception>

// `self` is a tch tensor handle (a `torch::Tensor*`, as in tch's libtch). Returns a new handle
// owned by the caller, or null with the exception's message in `error` (NUL-terminated).
extern "C" at::Tensor *aerepro_leaky_relu(const at::Tensor *self, double negative_slope,
                                          char *error, size_t error_len) {
  try {
    return new at::Tensor(at::leaky_relu(*self, negative_slope));
  } catch (const std::exception &e) {
    if (error_len > 0) {
      std::strncpy(error, e.what(), error_len - 1);
      error[error_len - 1] = '\0';
    }
    return nullptr;
  }
}
