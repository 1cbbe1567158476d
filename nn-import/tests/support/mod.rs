pub mod tflm;
