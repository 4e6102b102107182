//! Generates the client from `openapi.yaml` at the repository root, exactly as a user would:
//! progenitor's defaults, no edits to the document or to the generated code.

fn main() {
    let document = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../openapi.yaml");
    println!("cargo:rerun-if-changed={document}");
    let file = std::fs::File::open(document).expect("openapi.yaml at the repository root");
    let spec: openapiv3::OpenAPI =
        serde_yaml::from_reader(file).expect("openapi.yaml is OpenAPI 3.0");
    let mut generator = progenitor::Generator::default();
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates a client from openapi.yaml");
    let ast = syn::parse2(tokens).expect("the generated client parses");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("confab_client.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).expect("OUT_DIR is writable");
}
