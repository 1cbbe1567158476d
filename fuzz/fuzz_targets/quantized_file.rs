#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    nn_fuzz::quantized_file(data);
});
