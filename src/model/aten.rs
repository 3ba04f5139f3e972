//! The libtorch operations tch does not bind, called through `src/model/aten.cpp` (compiled by
//! build.rs against the same libtorch as tch). Like tch's own operations they panic when libtorch
//! raises, with libtorch's message. Also the switch that flushes subnormal floats to zero
//! ([`flush_denormals`]).

use std::ffi::{c_char, CStr};
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

use tch::Tensor;

extern "C" {
    fn aerepro_leaky_relu(
        xs: *const torch_sys::C_tensor,
        negative_slope: f64,
        error: *mut c_char,
        error_len: usize,
    ) -> *mut torch_sys::C_tensor;

    fn aerepro_channels_last(
        xs: *const torch_sys::C_tensor,
        error: *mut c_char,
        error_len: usize,
    ) -> *mut torch_sys::C_tensor;

    fn aerepro_set_flush_denormal(on: bool) -> bool;

    fn aerepro_set_flush_denormal_everywhere(on: bool) -> bool;
}

/// Runs one `aten.cpp` function, which writes a message into its error buffer and returns null
/// when libtorch raises, or returns a fresh handle.
fn call(name: &str, op: impl FnOnce(*mut c_char, usize) -> *mut torch_sys::C_tensor) -> Tensor {
    let mut error = [0 as c_char; 512];
    let out = op(error.as_mut_ptr(), error.len());
    if out.is_null() {
        // SAFETY: on failure the callee wrote a NUL-terminated message into `error`.
        let message = unsafe { CStr::from_ptr(error.as_ptr()) };
        panic!("{name}: {}", message.to_string_lossy());
    }
    // SAFETY: a non-null result is a fresh handle that nothing else owns.
    unsafe { Tensor::from_ptr(out) }
}

/// LeakyReLU(`negative_slope`) in libtorch's fused kernel, differentiable. tch binds `leaky_relu`
/// only with the default slope 0.01; PReLU with a constant slope runs 4x slower forward + backward
/// and `max(x, a·x)` 20x slower (`cargo bench --bench training -- leaky_relu`).
pub fn leaky_relu(xs: &Tensor, negative_slope: f64) -> Tensor {
    // SAFETY: `xs.as_ptr()` is a live tch handle that the callee only reads.
    call("leaky_relu", |error, len| unsafe {
        aerepro_leaky_relu(xs.as_ptr(), negative_slope, error, len)
    })
}

/// `xs` (4-D) in channels-last (NHWC) memory order, same shape and values; differentiable. A
/// no-op when it already is.
pub fn to_channels_last(xs: &Tensor) -> Tensor {
    // SAFETY: `xs.as_ptr()` is a live tch handle that the callee only reads.
    call("to_channels_last", |error, len| unsafe {
        aerepro_channels_last(xs.as_ptr(), error, len)
    })
}

/// Whether subnormal floats are flushed to zero (FTZ/DAZ) in this process, as asked for and as set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlushDenormals {
    /// What the process asked for.
    pub requested: bool,
    /// Whether FTZ/DAZ is on in the calling thread and every intra-op pool thread (false when not
    /// requested, or the CPU cannot: non-x86, or no SSE3).
    pub active: bool,
}

/// The status set by the last [`flush_denormals`] call of this process (0: never called).
static FLUSH_DENORMALS: AtomicU8 = AtomicU8::new(0);

/// Turns flushing of subnormal floats to zero (FTZ and DAZ, libtorch's
/// `at::globalContext().setFlushDenormal`) on or off, in the calling thread and in every thread of
/// libtorch's intra-op pool; threads created afterwards by this thread inherit it. Call it first in
/// a process that trains, scores or times, on the thread that runs libtorch.
///
/// Why: a model that overfits a few batches drives its gradients into the subnormal range, where
/// x86 arithmetic takes many times longer; the CAE's step then costs 2.5× the VAE's on an Intel Xeon
/// (docs/performance.md, "Training cost"). Flushing costs nothing elsewhere: trained values are
/// far above 1e-38.
pub fn flush_denormals(enabled: bool) -> FlushDenormals {
    // SAFETY: a plain call into libtorch with no pointers.
    let supported = unsafe { aerepro_set_flush_denormal_everywhere(enabled) };
    let status = FlushDenormals {
        requested: enabled,
        active: enabled && supported,
    };
    FLUSH_DENORMALS.store(
        1 + u8::from(status.requested) * 2 + u8::from(status.active),
        Ordering::SeqCst,
    );
    status
}

/// What the last [`flush_denormals`] call of this process set (None: never called; libtorch's
/// default then holds, no flushing).
pub fn flush_denormals_status() -> Option<FlushDenormals> {
    match FLUSH_DENORMALS.load(Ordering::SeqCst) {
        0 => None,
        code => Some(FlushDenormals {
            requested: (code - 1) & 2 != 0,
            active: (code - 1) & 1 != 0,
        }),
    }
}

/// The environment variable that turns flushing off (`0`); flushing is on without it.
pub const FLUSH_DENORMALS_ENV: &str = "AEREPRO_FLUSH_DENORMALS";

/// [`flush_denormals`] as [`FLUSH_DENORMALS_ENV`] asks: off when it is `0`, on otherwise.
pub fn flush_denormals_from_env() -> FlushDenormals {
    let off = std::env::var(FLUSH_DENORMALS_ENV).is_ok_and(|v| v.trim() == "0");
    flush_denormals(!off)
}

/// Sets FTZ/DAZ in the calling thread only (not the pool); for tests that check what a pool
/// thread inherits.
#[doc(hidden)]
pub fn flush_denormals_this_thread_only(enabled: bool) -> bool {
    // SAFETY: a plain call into libtorch with no pointers.
    unsafe { aerepro_set_flush_denormal(enabled) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    #[test]
    fn leaky_relu_matches_its_definition_forward_and_backward() {
        let xs = Tensor::from_slice(&[-2.0f32, -0.5, 0.0, 0.5, 3.0]).set_requires_grad(true);
        let ys = leaky_relu(&xs, 0.2);
        assert_eq!(
            Vec::<f32>::try_from(&ys).unwrap(),
            [-0.4, -0.1, 0.0, 0.5, 3.0]
        );
        ys.sum(Kind::Float).backward();
        assert_eq!(
            Vec::<f32>::try_from(xs.grad()).unwrap(),
            [0.2, 0.2, 0.2, 1.0, 1.0]
        );
    }

    #[test]
    #[should_panic(expected = "leaky_relu")]
    fn leaky_relu_of_an_integer_tensor_panics_with_libtorchs_message() {
        let _ = leaky_relu(&Tensor::from_slice(&[1i64, -1]), 0.2);
    }

    #[test]
    fn channels_last_keeps_shape_and_values_and_moves_channels_innermost() {
        let xs = Tensor::arange(2 * 3 * 2 * 2, (Kind::Float, tch::Device::Cpu))
            .view([2, 3, 2, 2])
            .set_requires_grad(true);
        let ys = to_channels_last(&xs);
        assert_eq!(ys.size(), [2, 3, 2, 2]);
        assert_eq!(ys.stride(), [12, 1, 6, 3]);
        assert!(ys.equal(&xs));
        (&ys * 2.0).sum(Kind::Float).backward();
        assert!(xs.grad().equal(&xs.ones_like().g_mul_scalar(2.0)));
    }

    #[test]
    #[should_panic(expected = "to_channels_last")]
    fn channels_last_of_a_vector_panics_with_libtorchs_message() {
        let _ = to_channels_last(&Tensor::from_slice(&[1.0f32, 2.0]));
    }
}
