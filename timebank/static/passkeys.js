/* Passkeys (WebAuthn) as progressive enhancement: without JavaScript, or in a browser without
   WebAuthn, nothing here runs and the page's hidden passkey buttons stay hidden.
   Each [data-passkey] block names its two endpoints (data-options, data-verify); the script asks
   for the options, runs the browser's ceremony, sends the answer back with the CSRF token, and
   goes where the server says. No framework, no inline script (the CSP allows 'self' only). */
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch || !window.JSON) {
    return;
  }
  var settings = document.getElementById("passkey-settings");
  if (!settings) {
    return;
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": settings.getAttribute("data-csrf")
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          throw { message: data.message || settings.getAttribute("data-failed") };
        }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var copy = { type: item.type, id: toBytes(item.id) };
      if (item.transports) {
        copy.transports = item.transports;
      }
      return copy;
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return { publicKey: options };
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: { clientDataJSON: toText(response.clientDataJSON) },
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    };
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) {
        out.response.transports = response.getTransports();
      }
    }
    if (response.authenticatorData) {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) {
        out.response.userHandle = toText(response.userHandle);
      }
    }
    return out;
  }

  function run(block) {
    var kind = block.getAttribute("data-passkey");
    var status = block.querySelector("[data-passkey-status]");
    var button = block.querySelector("[data-passkey-start]");
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    button.disabled = true;
    say(settings.getAttribute("data-working"));
    var password = block.querySelector("[data-passkey-password]");
    post(block.getAttribute("data-options"), password ? { password: password.value } : {}).then(function (options) {
      if (password) {
        password.value = "";
      }
      return kind === "register"
        ? navigator.credentials.create(creationOptions(options))
        : navigator.credentials.get(requestOptions(options));
    }).then(function (credential) {
      var body = { credential: credentialJSON(credential) };
      var name = block.querySelector("[data-passkey-name]");
      var next = document.querySelector("input[name='next']");
      if (name) {
        body.name = name.value;
      }
      if (next) {
        body.next = next.value;
      }
      return post(block.getAttribute("data-verify"), body);
    }).then(function (data) {
      window.location.assign(data.redirect || "/");
    }).catch(function (error) {
      var cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
      var known = error && error.name === "InvalidStateError";  // an excluded (already added) passkey
      if (cancelled) {
        say(settings.getAttribute("data-cancelled"));
      } else if (known) {
        say(settings.getAttribute("data-exists"));
      } else {
        say(error && error.message && !error.name ? error.message : settings.getAttribute("data-failed"));
      }
      button.disabled = false;
    });
  }

  var blocks = document.querySelectorAll("[data-passkey]");
  for (var i = 0; i < blocks.length; i += 1) {
    (function (block) {
      block.hidden = false;
      block.querySelector("[data-passkey-start]").addEventListener("click", function () {
        run(block);
      });
    })(blocks[i]);
  }
  var fallbacks = document.querySelectorAll("[data-passkey-fallback]");
  for (var j = 0; j < fallbacks.length; j += 1) {
    fallbacks[j].hidden = true;
  }
})();
