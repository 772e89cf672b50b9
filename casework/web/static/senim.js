/* Senim: small progressive enhancements (issue 13, points 7 and 8). Every page works
   without this file; the Content-Security-Policy allows only scripts served from here. */
(function () {
  "use strict";

  /* Wide screens always show the menu; browsers without ::details-content need it open. */
  function openMenuOnWideScreens() {
    var menu = document.querySelector("details.menu");
    if (menu && window.matchMedia("(min-width: 60.01rem)").matches) {
      menu.open = true;
    }
  }

  function busy(form) {
    form.setAttribute("aria-busy", "true");
    /* Disabled only after the browser has read the pressed button's name and value. */
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
      Array.prototype.forEach.call(buttons, function (button) {
        if (button.disabled) {
          return;  /* disabled by the page itself: leave it so */
        }
        button.disabled = true;
        button.dataset.senimBusy = "1";
      });
    }, 0);
    /* A form that answers with a file leaves the page in place: free it again later. */
    window.setTimeout(function () { release(form); }, 8000);
  }

  function release(form) {
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(form.querySelectorAll("[data-senim-busy]"), function (button) {
      button.disabled = false;
      delete button.dataset.senimBusy;
    });
  }

  function hasFile(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"),
      function (input) { return input.files && input.files.length > 0; });
  }

  /* Long uploads: send through XMLHttpRequest so the page can show how far it has got,
     then show the answer the server gave (same page, same messages). */
  function upload(form, submitter) {
    var bar = form.querySelector("progress.upload-progress");
    if (!bar) {
      bar = document.createElement("progress");
      bar.className = "upload-progress";
      bar.max = 100;
      form.appendChild(bar);
    }
    var label = form.querySelector(".upload-status");
    if (!label) {
      label = document.createElement("p");
      label.className = "upload-status hint";
      label.setAttribute("role", "status");
      form.appendChild(label);
    }
    var text = document.body.dataset.uploading || "Uploading";
    bar.hidden = false;
    label.textContent = text + " 0%";
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var request = new XMLHttpRequest();
    request.open((form.getAttribute("method") || "post").toUpperCase(), form.action);
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        var percent = Math.round(event.loaded * 100 / event.total);
        bar.value = percent;
        label.textContent = text + " " + percent + "%";
      }
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") === 0) {
        if (request.responseURL) {
          window.history.replaceState(null, "", request.responseURL);
        }
        document.open();
        document.write(request.responseText);
        document.close();
      } else {
        window.location.reload();
      }
    });
    request.addEventListener("error", function () {
      /* The connection failed: let the browser try the ordinary way. */
      release(form);
      form.dataset.plain = "1";
      form.submit();
    });
    request.send(data);
  }

  /* A download form: fetch the file, hand it to the browser, then show the page again so it
     confirms the download and shows how many are left (the server set that message). */
  function download(form) {
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.responseType = "blob";
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") === 0) {
        window.location.assign(request.responseURL || window.location.href);
        return;
      }
      var name = "";
      var match = /filename="?([^";]+)"?/.exec(request.getResponseHeader("Content-Disposition") || "");
      if (match) {
        name = match[1];
      }
      var link = document.createElement("a");
      link.href = URL.createObjectURL(request.response);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      window.setTimeout(function () {
        URL.revokeObjectURL(link.href);
        window.location.reload();
      }, 500);
    });
    request.addEventListener("error", function () {
      release(form);
      form.dataset.plain = "1";
      form.submit();
    });
    request.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.plain) {
      return;
    }
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();  /* a second press while the first is on its way */
      return;
    }
    var submitter = event.submitter || null;
    if (form.hasAttribute("data-download") && window.FormData && window.URL) {
      event.preventDefault();
      busy(form);
      download(form);
      return;
    }
    if (form.enctype === "multipart/form-data" && hasFile(form) && window.FormData) {
      event.preventDefault();
      busy(form);
      upload(form, submitter);
      return;
    }
    busy(form);
  });

  /* Coming back with the browser's Back button: the buttons work again. */
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[aria-busy]"), release);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openMenuOnWideScreens);
  } else {
    openMenuOnWideScreens();
  }
}());
