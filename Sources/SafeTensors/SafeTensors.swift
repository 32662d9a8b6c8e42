// SafeTensors layer — see DESIGN (layers). Placeholder so the target builds.
