//! A prepared operator: the kernel TFLM's `Prepare` would pick, with its parameters
//! (requantization multipliers, padding, clamps) computed once, and the tensors it reads and
//! writes. [`prepare`](crate::prepare::prepare) builds them; `run.rs` executes them.

use nn_core::quant::tflite as k;

/// A prepared operator: its kernel and the tensors it reads and writes.
#[derive(Debug)]
pub(crate) struct Op {
    pub index: usize,
    pub name: &'static str,
    pub inputs: Vec<usize>,
    pub output: usize,
    pub kernel: Kernel,
}

#[derive(Debug)]
pub(crate) struct Layer {
    pub filter: Vec<i8>,
    pub bias: Option<Vec<i32>>,
    pub multipliers: Vec<i32>,
    pub shifts: Vec<i32>,
    pub input_offset: i32,
    pub output_offset: i32,
    pub range: (i32, i32),
}

impl Layer {
    /// The requantization the kernels take: TFLite's int8 filters are symmetric, so the
    /// filter offset is 0.
    pub fn requant(&self) -> k::Requant<'_> {
        k::Requant {
            input_offset: self.input_offset,
            filter_offset: 0,
            output_offset: self.output_offset,
            multipliers: &self.multipliers,
            shifts: &self.shifts,
            range: self.range,
        }
    }
}

/// A float32 layer's constants and clamp.
#[derive(Debug)]
pub(crate) struct FloatLayer {
    pub filter: Vec<f32>,
    pub bias: Option<Vec<f32>>,
    pub range: (f32, f32),
}

#[derive(Debug)]
pub(crate) enum Kernel {
    FullyConnectedF32 {
        layer: FloatLayer,
        depth: usize,
    },
    ConvF32 {
        layer: FloatLayer,
        geometry: k::ConvGeometry,
        shapes: [[usize; 4]; 3],
        depth_multiplier: Option<usize>,
    },
    PoolF32 {
        kind: k::PoolKind,
        geometry: k::PoolGeometry,
        range: (f32, f32),
        shapes: [[usize; 4]; 2],
    },
    SoftmaxF32 {
        beta: f32,
        depth: usize,
    },
    AddF32 {
        range: (f32, f32),
        /// The two inputs' shapes when they broadcast (TFLM's `BroadcastAdd6DSlow`).
        broadcast: Option<[Vec<usize>; 2]>,
    },
    FullyConnected {
        layer: Layer,
        depth: usize,
    },
    Conv {
        layer: Layer,
        geometry: k::ConvGeometry,
        shapes: [[usize; 4]; 3],
    },
    Depthwise {
        layer: Layer,
        geometry: k::ConvGeometry,
        shapes: [[usize; 4]; 3],
        multiplier: usize,
    },
    Pool {
        kind: k::PoolKind,
        geometry: k::PoolGeometry,
        shapes: [[usize; 4]; 2],
    },
    Softmax {
        params: k::SoftmaxParams,
        depth: usize,
    },
    Add {
        params: k::AddParams,
        /// The two inputs' shapes when they broadcast (TFLM's `BroadcastAdd6DSlow`).
        broadcast: Option<[Vec<usize>; 2]>,
    },
    Reshape,
    Quantize {
        output: k::QuantParams,
    },
    Requantize {
        input: k::QuantParams,
        output: k::QuantParams,
    },
    Dequantize {
        input: k::QuantParams,
    },
}
