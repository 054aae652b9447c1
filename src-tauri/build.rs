fn main() {
    // Declaring the app's commands makes Tauri generate `allow-<command>` / `deny-<command>` permissions
    // and, more importantly, switches app commands from "allowed by default" to "allowed only
    // when a capability grants them" (see capabilities/default.json).
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
        "rpc",
        "pick",
        "open_external",
        "open_production_folder",
    ])))
    .expect("failed to run tauri-build");
}
