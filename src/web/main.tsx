import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppProvider } from "./shell/app-context";
import { App } from "./shell/app";
import { DocsProvider } from "./shell/docs-context";
import { RunStatusProvider } from "./shell/run-status";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AppProvider>
      <RunStatusProvider>
        <DocsProvider>
          <App />
        </DocsProvider>
      </RunStatusProvider>
    </AppProvider>
  </StrictMode>,
);
