import { useState } from "react";
import { AssistantEditor } from "../assistants/assistant-editor";
import { AssistantPicker } from "../assistants/assistant-picker";
import { ChatView } from "../chat/chat-view";
import { DocPane } from "../chat/doc-pane";
import { InspectorPanel } from "../inspector/inspector-panel";
import { ProvidersPanel } from "../providers/providers-panel";
import { ThreadList } from "../threads/thread-list";
import { ApiKeyDialog } from "./api-key-dialog";
import { useApp } from "./app-context";
import { useDocs } from "./docs-context";
import { useTheme } from "./use-theme";

type PanelTab = "inspector" | "document" | "assistant" | "providers";

const TABS: { id: PanelTab; label: string }[] = [
  { id: "inspector", label: "Inspector" },
  { id: "document", label: "Document" },
  { id: "assistant", label: "Assistant" },
  { id: "providers", label: "Providers" },
];

/** The page: threads on the left, the conversation in the middle, the inspector on the right. */
export function App() {
  const { openThread } = useApp();
  const { docs } = useDocs();
  const [theme, toggleTheme] = useTheme();
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [panelOpen, setPanelOpen] = useState(() => window.matchMedia("(min-width: 1100px)").matches);
  const [tab, setTab] = useState<PanelTab>("inspector");
  return (
    <div className="app" data-sidebar-open={sidebarOpen} data-panel-open={panelOpen}>
      <header className="topbar">
        <button type="button" className="icon narrow-only" aria-label="Threads" aria-expanded={sidebarOpen} onClick={() => setSidebarOpen((o) => !o)}>
          ☰
        </button>
        <a className="brand" href="#/">
          threadloom
        </a>
        <button type="button" onClick={() => openThread(null)}>
          New chat
        </button>
        <AssistantPicker />
        <span className="spacer" />
        <button type="button" className="icon" aria-label={theme === "dark" ? "Light theme" : "Dark theme"} onClick={toggleTheme}>
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button type="button" aria-label="Inspector panel" aria-expanded={panelOpen} onClick={() => setPanelOpen((o) => !o)}>
          Inspector
        </button>
      </header>
      <nav className="sidebar" aria-label="Threads" onClick={(e) => (e.target as HTMLElement).closest("a") && setSidebarOpen(false)}>
        <ThreadList />
      </nav>
      <main className="conversation">
        <ChatView />
      </main>
      {panelOpen && (
        <aside className="panel" aria-label="Side panel">
          <div className="tabs" role="tablist" aria-label="Side panel">
            {TABS.map((t) => (
              <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-selected={tab === t.id} aria-controls={`tabpanel-${t.id}`} onClick={() => setTab(t.id)}>
                {t.label}
                {t.id === "document" && docs.length > 0 ? ` (${docs.length})` : ""}
              </button>
            ))}
          </div>
          <div className="tabpanel" role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
            {tab === "inspector" && <InspectorPanel />}
            {tab === "document" && <DocPane />}
            {tab === "assistant" && <AssistantEditor />}
            {tab === "providers" && <ProvidersPanel />}
          </div>
        </aside>
      )}
      <ApiKeyDialog />
    </div>
  );
}
