// `PersonDetect`: `person_detect.tflite` (TFLite, full-integer int8) as a `network!` declaration, written by
// `nn-import person_detect.tflite --name PersonDetect --out DIR`. Keep and edit it: `network!` checks it against
// `src/person_detect.safetensors` (weights, biases, TFLM's requantization, each activation's shape, scale
// and zero point) at compile time. Run it with `PersonDetect::new().run(&input, &mut output)`.
nn_core::network! {
    /// `person_detect.tflite`: input `input` [1, 96, 96, 1] (scale 0.007843138, zero point -1), output `MobilenetV1/Predictions/Reshape_1` [1, 2] (scale 0.00390625, zero point -128).
    #[weights = "src/person_detect.safetensors"]
    pub struct PersonDetect {
        input: [1, 96, 96, 1],
        // op 0 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_0/Relu6` [1, 48, 48, 8], scale 0.023529412, zero point -128
        dw1: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, multiplier = 8, act = relu6),
        // op 1 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_1_depthwise/Relu6` [1, 48, 48, 8], scale 0.023529412, zero point -128
        dw2: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 2 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_1_pointwise/Relu6` [1, 48, 48, 16], scale 0.023529412, zero point -128
        conv1: tfl_conv2d(16, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 3 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_2_depthwise/Relu6` [1, 24, 24, 16], scale 0.023529412, zero point -128
        dw3: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, act = relu6),
        // op 4 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_2_pointwise/Relu6` [1, 24, 24, 32], scale 0.023529412, zero point -128
        conv2: tfl_conv2d(32, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 5 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_3_depthwise/Relu6` [1, 24, 24, 32], scale 0.023529412, zero point -128
        dw4: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 6 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_3_pointwise/Relu6` [1, 24, 24, 32], scale 0.023529412, zero point -128
        conv3: tfl_conv2d(32, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 7 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_4_depthwise/Relu6` [1, 12, 12, 32], scale 0.023529412, zero point -128
        dw5: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, act = relu6),
        // op 8 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_4_pointwise/Relu6` [1, 12, 12, 64], scale 0.023529412, zero point -128
        conv4: tfl_conv2d(64, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 9 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_5_depthwise/Relu6` [1, 12, 12, 64], scale 0.023529412, zero point -128
        dw6: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 10 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_5_pointwise/Relu6` [1, 12, 12, 64], scale 0.023529412, zero point -128
        conv5: tfl_conv2d(64, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 11 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_6_depthwise/Relu6` [1, 6, 6, 64], scale 0.023529412, zero point -128
        dw7: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, act = relu6),
        // op 12 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_6_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv6: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 13 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_7_depthwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        dw8: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 14 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_7_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv7: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 15 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_8_depthwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        dw9: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 16 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_8_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv8: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 17 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_9_depthwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        dw10: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 18 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_9_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv9: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 19 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_10_depthwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        dw11: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 20 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_10_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv10: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 21 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_11_depthwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        dw12: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 22 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_11_pointwise/Relu6` [1, 6, 6, 128], scale 0.023529412, zero point -128
        conv11: tfl_conv2d(128, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 23 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_12_depthwise/Relu6` [1, 3, 3, 128], scale 0.023529412, zero point -128
        dw13: tfl_depthwise_conv2d(kernel = (3, 3), stride = (2, 2), padding = same, act = relu6),
        // op 24 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_12_pointwise/Relu6` [1, 3, 3, 256], scale 0.023529412, zero point -128
        conv12: tfl_conv2d(256, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 25 DEPTHWISE_CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_13_depthwise/Relu6` [1, 3, 3, 256], scale 0.023529412, zero point -128
        dw14: tfl_depthwise_conv2d(kernel = (3, 3), stride = (1, 1), padding = same, act = relu6),
        // op 26 CONV_2D: `MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6` [1, 3, 3, 256], scale 0.01860933, zero point -128
        conv13: tfl_conv2d(256, kernel = (1, 1), stride = (1, 1), padding = same, act = relu6),
        // op 27 AVERAGE_POOL_2D: `MobilenetV1/Logits/AvgPool_1a/AvgPool` [1, 1, 1, 256], scale 0.01860933, zero point -128
        pool1: tfl_avg_pool2d(kernel = (3, 3), stride = (2, 2), padding = valid),
        // op 28 CONV_2D: `MobilenetV1/Logits/Conv2d_1c_1x1/BiasAdd` [1, 1, 1, 2], scale 0.012518751, zero point -1
        conv14: tfl_conv2d(2, kernel = (1, 1), stride = (1, 1), padding = same),
        // op 29 RESHAPE: `MobilenetV1/Logits/SpatialSqueeze` [1, 2], scale 0.012518751, zero point -1
        reshape1: tfl_reshape([1, 2]),
        // op 30 SOFTMAX: `MobilenetV1/Predictions/Reshape_1` [1, 2], scale 0.00390625, zero point -128
        softmax1: tfl_softmax(beta = 1.0),
    }
}
