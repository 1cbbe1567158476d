// The depthwise kernel edited to disagree with the file's weight.
// A whole program (construct, run, dequantize) reports that one error: the stand-in has the
// surface the valid network has.
nn_core::network! {
    #[weights = "../../../../nn-tinyml/src/speech.safetensors"]
    pub struct Speech {
        input: [1, 1960],
        reshape1: tfl_reshape([1, 49, 40, 1]),
        dw1: tfl_depthwise_conv2d(kernel = (10, 4), stride = (2, 2), padding = same, multiplier = 8, act = relu),
        reshape2: tfl_reshape([1, 4000]),
        fc1: tfl_fully_connected(4),
        softmax1: tfl_softmax(beta = 1.0),
    }
}

include!("program/runs_speech.rs");
