// Live regions: elements with an id and data-live refresh by themselves. /web/live (Server-Sent
// Events) says when the account's data changed; the page is fetched again and each region's
// content swapped for the fetched one's. A region the user is typing in is left alone.
(() => {
  const regions = () => document.querySelectorAll("[data-live][id]");
  if (!regions().length || !window.EventSource || !window.DOMParser) return;

  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  let fetching = false;
  let again = false;

  const typedIn = (region) => {
    const active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, select, textarea")) {
      return true;
    }
    // A form whose fields differ from what the page came with holds unsaved input.
    return [...region.querySelectorAll("input, select, textarea")].some((field) => {
      if (field.type === "hidden") return false;
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return [...field.options].some((option) => option.selected !== option.defaultSelected);
      }
      return field.value !== field.defaultValue;
    });
  };

  const swap = (region, fresh) => {
    // Keep keyboard focus where it was: on the same n-th focusable element of the region.
    const active = document.activeElement;
    const before = region.contains(active) ? [...region.querySelectorAll(FOCUSABLE)] : [];
    const index = before.indexOf(active);
    region.innerHTML = fresh.innerHTML;
    if (index >= 0) {
      const after = region.querySelectorAll(FOCUSABLE);
      if (after[Math.min(index, after.length - 1)]) after[Math.min(index, after.length - 1)].focus();
    }
  };

  const refresh = async () => {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      do {
        again = false;
        const response = await fetch(location.href, { credentials: "same-origin" });
        if (!response.ok || !response.headers.get("content-type")?.startsWith("text/html")) break;
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const region of regions()) {
          const fresh = page.getElementById(region.id);
          if (fresh && fresh.hasAttribute("data-live") && !typedIn(region)) swap(region, fresh);
        }
      } while (again);
    } catch {
      // The server is out of reach: the stream says when it is back.
    } finally {
      fetching = false;
    }
  };

  for (const region of regions()) region.setAttribute("aria-live", "polite");
  const stream = new EventSource("/web/live");
  let opened = false;
  stream.addEventListener("change", refresh);
  // Connected again after a pause: whatever changed meanwhile was not said.
  stream.addEventListener("open", () => {
    if (opened) refresh();
    opened = true;
  });
})();
