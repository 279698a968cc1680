//! `uniffi-bindgen generate --library <libhookwire_ffi.so> --language kotlin|swift`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
