// Routes. Every page is its own chunk, loaded when first visited.
import { lazy, type ReactNode, Suspense, useEffect } from "react";
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation, useParams } from "react-router-dom";
import { useAuth } from "./auth/AuthProvider";
import Layout from "./components/Layout";
import { Skeleton } from "./components/ui";

const SignIn = lazy(() => import("./pages/SignIn"));
const SignUp = lazy(() => import("./pages/SignUp"));
const HomePage = lazy(() => import("./pages/HomePage"));
const FolderPage = lazy(() => import("./pages/FolderPage"));
const DocumentPage = lazy(() => import("./pages/DocumentPage"));
const SearchPage = lazy(() => import("./pages/SearchPage"));
const TrashPage = lazy(() => import("./pages/TrashPage"));
const MembersPage = lazy(() => import("./pages/MembersPage"));
const AccountPage = lazy(() => import("./pages/AccountPage"));
const SharePage = lazy(() => import("./pages/SharePage"));
const AuditPage = lazy(() => import("./pages/AuditPage"));
const IntegrationsPage = lazy(() => import("./pages/IntegrationsPage"));
const NotFound = lazy(() => import("./pages/NotFound"));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Skeleton lines={5} />}>{children}</Suspense>;
}

/** Pages for signed-in people; others are sent to sign in and brought back. */
function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") return <Skeleton lines={3} label="Signing you in" />;
  if (status === "signed-out") return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return <Outlet />;
}

/** Remembers the workspace last opened. */
function Workspace() {
  const { ws } = useParams();
  useEffect(() => {
    if (ws) localStorage.setItem("cabinet.workspace", ws);
  }, [ws]);
  return <Outlet />;
}

const router = createBrowserRouter([
  { path: "/sign-in", element: <Page><SignIn /></Page> },
  { path: "/sign-up", element: <Page><SignUp /></Page> },
  { path: "/s/:token", element: <Page><SharePage /></Page> },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <Layout />,
        children: [
          { index: true, element: <Page><HomePage /></Page> },
          { path: "account", element: <Page><AccountPage /></Page> },
          {
            path: "w/:ws",
            element: <Workspace />,
            children: [
              { index: true, element: <Page><FolderPage /></Page> },
              { path: "f/:folder", element: <Page><FolderPage /></Page> },
              { path: "d/:doc", element: <Page><DocumentPage /></Page> },
              { path: "search", element: <Page><SearchPage /></Page> },
              { path: "trash", element: <Page><TrashPage /></Page> },
              { path: "members", element: <Page><MembersPage /></Page> },
              { path: "audit", element: <Page><AuditPage /></Page> },
              { path: "integrations", element: <Page><IntegrationsPage /></Page> },
            ],
          },
          { path: "*", element: <Page><NotFound /></Page> },
        ],
      },
    ],
  },
]);

export default function App() {
  return <RouterProvider router={router} />;
}
