//! Mounts the wslab app on the page's `<body>`.

fn main() {
    yew::Renderer::<wslab::App>::new().render();
}
