"""Small browser checkouts the in-tree tests build themselves: each registration file in its
upstream format (the layout of the real files, a handful of entries, including the
out-of-order entries and preprocessor blocks real lists have)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = {
    "third_party/blink/renderer/modules/BUILD.gn": """\
import("//third_party/blink/renderer/modules/modules.gni")

component("modules") {
  output_name = "blink_modules"

  sub_modules = [
    "//third_party/blink/renderer/bindings/modules/v8",
    "//third_party/blink/renderer/modules/accessibility",
    "//third_party/blink/renderer/modules/media",
    "//third_party/blink/renderer/modules/webrtc",
    "//third_party/blink/renderer/modules/native_io",
    "//third_party/blink/renderer/modules/webgpu",
    "//third_party/blink/renderer/modules/webmidi",
    "//third_party/blink/renderer/modules/webshare",
    "//third_party/blink/renderer/modules/xr",
  ]

  if (is_android) {
    sub_modules += [ "//third_party/blink/renderer/modules/remote_objects" ]
  }

  public_deps = sub_modules
}
""",
    "third_party/blink/renderer/modules/modules_idl_files.gni": """\
import("//third_party/blink/renderer/config.gni")

_idl_imports = [
  "//third_party/blink/renderer/modules/accessibility/idls.gni",
  "//third_party/blink/renderer/modules/webgpu/idls.gni",
  "//third_party/blink/renderer/modules/webmidi/idls.gni",
  "//third_party/blink/renderer/modules/webshare/idls.gni",
  "//third_party/blink/renderer/modules/xr/idls.gni",
]

modules_idl_files = []
""",
    "third_party/blink/renderer/platform/runtime_enabled_features.json5": """\
{
  parameters: {
    status: {
      valid_values: ["stable", "experimental", "test"],
    },
  },

  data: [
    {
      name: "Accelerated2dCanvas",
      status: "stable",
    },
    {
      name: "WebGPU",
    },
    // WebNFC is experimental.
    {
      name: "WebNFC",
      status: "experimental",
    },
    {
      name: "WebOTP",
      status: {"default": "experimental", "Android": "stable"},
    },
  ],
}
""",
    "third_party/blink/renderer/modules/event_target_modules_names.json5": """\
{
  metadata: {
    namespace: "event_target_names",
    suffix: "Modules",
  },

  data: [
    "BatteryManager",
    "GPUDevice",
    "HID",
    {
      name: "WebSocket",
      ImplementedAs: "DOMWebSocket",
    },
    "USB",
  ],
}
""",
}

FIREFOX = {
    "dom/moz.build": """\
# -*- Mode: python; indent-tabs-mode: nil; tab-width: 40 -*-

DIRS += ["interfaces/" + i for i in interfaces]

DIRS += [
    "abort",
    "canvas",
    "webgpu",
    "chrome-webidl",
    "xul",
]

TEST_DIRS += [
    "tests",
]
""",
    "dom/webidl/moz.build": """\
WEBIDL_FILES = [
    "AbortController.webidl",
    "MIDIAccess.webidl",
    "WebGPU.webidl",
    "WebSocket.webidl",
]

if CONFIG["MOZ_WEBRTC"]:
    WEBIDL_FILES += [
        "RTCDataChannel.webidl",
    ]

GENERATED_EVENTS_WEBIDL_FILES = [
    "AddonEvent.webidl",
    "GPUUncapturedErrorEvent.webidl",
    "MIDIConnectionEvent.webidl",
    "NavigationCurrentEntryChangeEvent.webidl",
    "OfflineAudioCompletionEvent.webidl",
]
""",
    "dom/bindings/Bindings.conf": """\
# DOM Bindings Configuration.

DOMInterfaces = {

'AbortSignal': {
    'implicitJSContext': [ 'throwIfAborted' ],
},

'NodeList': {
    'nativeType': 'nsINodeList',
    'concrete': True,
},

# Out of place upstream too.
'OfflineAudioContext': {
    'nativeType': 'mozilla::dom::AudioContext',
},

'WebGLBuffer': {
    'nativeType': 'mozilla::WebGLBufferJS',
    'headerFile': 'ClientWebGLContext.h'
},

}

def addExternalIface(iface, nativeType=None):
    pass
""",
    "modules/libpref/init/StaticPrefList.yaml": """\
#---------------------------------------------------------------------------
# Prefs starting with "dom."
#---------------------------------------------------------------------------

# Is support for the Web GPU API enabled?
- name: dom.webgpu.enabled
  type: RelaxedAtomicBool
  value: @IS_NIGHTLY_BUILD@
  mirror: always

#ifdef XP_WIN
-   name: dom.w3c_pointer_events.dispatch_by_pointer_messages
    type: bool
    value: true
    mirror: always
#endif

- name: dom.webnotifications.enabled
  type: RelaxedAtomicBool
  value: true
  mirror: always

- name: dom.window.clientinformation.enabled
  type: bool
  value: true
  mirror: always

#---------------------------------------------------------------------------
# Prefs starting with "editor"
#---------------------------------------------------------------------------

- name: editor.truncate_user_pastes
  type: bool
  value: true
  mirror: always
""",
    "dom/webidl/Navigator.webidl": """\
interface Navigator {
};
Navigator includes NavigatorID;
Navigator includes NavigatorGPU;
Navigator includes GlobalPrivacyControl;
""",
    "dom/webidl/WorkerNavigator.webidl": """\
interface WorkerNavigator {
};

// https://gpuweb.github.io/gpuweb/#navigator-gpu
WorkerNavigator includes NavigatorGPU;
""",
}


def build(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
