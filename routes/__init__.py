"""The pack's HTTP routes inside ComfyUI (/segmind-flux/...), for its editor extension and for scripts: put
on ComfyUI's server by server.py when the pack is installed (nodes/runtime.py), one file per concern.
Nothing here is a node; nothing here is imported until ComfyUI's server exists."""
