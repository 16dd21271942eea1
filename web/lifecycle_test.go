package web

import "testing"

// TestDeviceName: the sessions page names a device by its system and
// browser, the more particular name winning (WeChat's browser over Chrome,
// Edge over Chrome, Android over Linux).
func TestDeviceName(t *testing.T) {
	for _, c := range []struct{ ua, want string }{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
			"苹果手机或平板上的Safari浏览器"},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0", "安卓手机上的微信"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0", "Windows电脑上的Edge浏览器"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0; rv:120.0) Gecko/20100101 Firefox/120.0", "苹果电脑上的Firefox浏览器"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "Linux电脑上的Chrome浏览器"},
		{"Mozilla/5.0 (X11; Linux x86_64)", "Linux电脑"},
		{"Go-http-client/1.1 (curl-like) Firefox", "Firefox浏览器"},
		{"curl/8.5.0", "其他客户端"},
		{"", "未知设备"},
	} {
		if got := deviceName(c.ua); got != c.want {
			t.Errorf("deviceName(%q) = %q, want %q", c.ua, got, c.want)
		}
	}
}
