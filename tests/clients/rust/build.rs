//! Generates the client from `openapi.yaml` at the repository root, exactly as a user would:
//! progenitor's defaults, no edits to the generated code. One edit to the document, the one a
//! progenitor user must make: progenitor cannot express `multipart/form-data` request bodies
//! (`UnexpectedFormat`), so operations that take one (the file upload, setting an avatar) are left
//! out of the Rust client, as the README says.

fn main() {
    let document = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../openapi.yaml");
    println!("cargo:rerun-if-changed={document}");
    let file = std::fs::File::open(document).expect("openapi.yaml at the repository root");
    let mut spec: openapiv3::OpenAPI =
        serde_yaml::from_reader(file).expect("openapi.yaml is OpenAPI 3.0");
    without_multipart_operations(&mut spec);
    let mut generator = progenitor::Generator::default();
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates a client from openapi.yaml");
    let ast = syn::parse2(tokens).expect("the generated client parses");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("confab_client.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).expect("OUT_DIR is writable");
}

/// Drops the operations whose request body is `multipart/form-data`.
fn without_multipart_operations(spec: &mut openapiv3::OpenAPI) {
    for (_, item) in spec.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let multipart = |operation: &Option<openapiv3::Operation>| {
            operation
                .as_ref()
                .and_then(|o| o.request_body.as_ref())
                .is_some_and(|body| match body {
                    openapiv3::ReferenceOr::Item(body) => {
                        body.content.contains_key("multipart/form-data")
                    }
                    openapiv3::ReferenceOr::Reference { .. } => false,
                })
        };
        for operation in [&mut item.post, &mut item.put, &mut item.patch] {
            if multipart(operation) {
                *operation = None;
            }
        }
    }
}
